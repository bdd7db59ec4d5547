/** `sortObjects` and `placesOf`: the API's stable order by the held cards' places, or by comparison (no database). */
import { describe, expect, it } from 'vitest';

import type { Context } from '../../src/context.ts';
import { cardsFrom } from '../../src/data/analytics/cards.ts';
import type { CoreRow } from '../../src/data/rows.ts';
import { compareObjects } from '../../src/model.ts';
import { cardsOf, placesOf, sortObjects } from '../../src/schema/types/analytics/cards.ts';

const row = (stixId: string, attackId: string | null, name: string | null): CoreRow =>
  ({ stixId, attackId, name, nodeLabels: ['Technique'], revoked: false, deprecated: false }) as CoreRow;

// Ties on ATT&CK ID and name, a missing ATT&CK ID and a missing name: every rule of compareObjects.
const rows = [
  row('attack-pattern--c', 'T1003', 'OS Credential Dumping'),
  row('attack-pattern--a', 'T1003.001', 'LSASS Memory'),
  row('attack-pattern--e', null, 'No ID'),
  row('attack-pattern--b', 'T1059', null),
  row('attack-pattern--d', 'T1059', 'Command and Scripting Interpreter'),
  row('attack-pattern--f', 'T1003', 'OS Credential Dumping'),
];

/** A request context whose per-import store hands out these cards: `cardsOf` then holds them. */
async function holding(cardRows: readonly CoreRow[]): Promise<Context> {
  const cards = cardsFrom(cardRows.map((node) => ({ node, aliases: [], domains: [] })));
  const ctx = { perImport: { get: async () => cards } } as unknown as Context;
  await cardsOf(ctx, null);
  return ctx;
}

describe('the stable order of analyst results', () => {
  const expected = [...rows].sort(compareObjects);
  const shuffled = [rows[3], rows[0], rows[5], rows[2], rows[4], rows[1]] as CoreRow[];

  it('sorts by the places of the cards the request holds, as compareObjects does', async () => {
    const ctx = await holding(rows);
    expect(sortObjects(ctx, shuffled)).toEqual(expected);
    const places = placesOf(ctx, shuffled);
    expect(expected.map(places.of)).toEqual([...expected.keys()]);
    expect(expected.map((r) => places.at(places.of(r)))).toEqual(expected);
  });

  it('sorts by comparison when the cards do not know a row, or none are held', async () => {
    const stranger = row('x-custom--z', 'T1000', 'Not in the cards');
    const ctx = await holding(rows);
    expect(sortObjects(ctx, [...shuffled, stranger])).toEqual([stranger, ...expected]);
    const none = {} as unknown as Context;
    expect(sortObjects(none, shuffled)).toEqual(expected);
  });
});
