import { beforeAll, describe, expect, it } from 'vitest';
import { lookupQuery } from '../../src/data/objects.ts';
import { useMiniDb } from '../helpers/server.ts';

const mini = useMiniDb();

/** Every operator of a plan, depth first. */
function operators(plan: { operatorType: string; children: unknown[] }): string[] {
  return [plan.operatorType, ...(plan.children as (typeof plan)[]).flatMap(operators)];
}

describe('a lookup', () => {
  // The planner costs plans by statistics, which lag a reset that replaced a whole graph with the
  // mini one; fresh statistics (and no plan cached from the old graph) make its choice this graph's.
  beforeAll(async () => {
    await mini.db.driver.executeQuery('CALL db.prepareForReplanning()');
  });

  it.each([
    ['attackId', false, { attackId: 'T1003' }],
    ['stixId', false, { stixId: 'attack-pattern--00000000-0000-4000-8000-000000000100' }],
    ['attackId', true, { attackId: 'T1003' }],
    ['stixId', true, { stixId: 'attack-pattern--00000000-0000-4000-8000-000000000100' }],
  ] as const)(
    'by %s (release named: %s) seeks an index instead of scanning the label',
    async (key, named, given) => {
      const query = lookupQuery('Technique', named, [key], ['name']);
      const params = {
        stixId: null,
        attackId: null,
        name: null,
        shortname: null,
        domain: null,
        release: named ? '0' : null,
        ...given,
      };
      const { summary } = await mini.db.driver.executeQuery(`EXPLAIN ${query.cypher}`, params);
      const ops = operators(summary.plan as unknown as { operatorType: string; children: unknown[] });
      expect(ops.some((op) => /IndexSeek/.test(op))).toBe(true);
      expect(ops.some((op) => /NodeByLabelScan/.test(op))).toBe(false);
    },
  );
});
