import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSource } from '../../import/index.ts';
import { fetchByRefs } from '../../src/data/objects.ts';
import { fetchRelated } from '../../src/data/related.ts';
import { refsOf } from '../../src/data/rows.ts';
import { connectTestDb, type TestDb } from '../helpers/db.ts';
import { bundlePath } from '../helpers/paths.ts';
import { StixIndex } from '../helpers/stix.ts';

const BUNDLE = 'ics-attack-18.1';
let db: TestDb;
let stix: StixIndex;
const window = { offset: 0, limit: 1000 };

beforeAll(async () => {
  stix = new StixIndex(BUNDLE);
  db = await connectTestDb();
  await db.reset();
  await importSource(db.executor, bundlePath(BUNDLE));
});
afterAll(() => db?.close());

describe('batch functions', () => {
  it('empty keys: no query, no pages', async () => {
    const counted = db.executor.batching();
    expect(await fetchRelated(counted, 'technique.tactics', [], window)).toEqual([]);
    expect(await fetchByRefs(counted, 'Technique', [])).toEqual([]);
    expect(counted.roundTrips).toBe(0);
  });

  it('duplicate and unknown keys: one query, pages line up with the keys', async () => {
    const [a, b] = stix.ofType('attack-pattern');
    if (!a || !b) throw new Error('expected techniques');
    const keys = [a.id, 'attack-pattern--00000000-0000-0000-0000-000000000000', a.id, b.id];
    const counted = db.executor.batching();
    const pages = await fetchRelated(counted, 'technique.tactics', refsOf(keys, releaseOf()), window);
    expect(counted.roundTrips).toBe(1);
    expect(pages.map((p) => p.items.map((i) => i.node.stixId))).toEqual(keys.map(tacticsOf));
    expect(pages[1]).toEqual({ totalCount: 0, items: [] });
  });
});

/** The bundle's release: its collection's version (what the importer keys its snapshot by). */
function releaseOf(): string {
  const [collection] = stix.ofType('x-mitre-collection') as { x_mitre_version?: string }[];
  if (!collection?.x_mitre_version) throw new Error('expected a collection version');
  return collection.x_mitre_version;
}

/** The STIX ids of a technique's tactics, by its kill chain phases. */
function tacticsOf(id: string): string[] {
  const t = stix.byId.get(id);
  const phases = new Set((t?.kill_chain_phases ?? []).map((p) => p.phase_name));
  return stix
    .ofType('x-mitre-tactic')
    .filter((x) => phases.has(x.x_mitre_shortname ?? ''))
    .map((x) => x.id);
}
