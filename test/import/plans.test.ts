import type { Plan } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_RELS,
  CREATE_RELS_BY_ID,
  DELETE_NODES,
  DELETE_RELS,
  SET_DOMAINS,
  SET_REL_DOMAINS,
  UPDATE_NODES,
  UPDATE_RELS,
} from '../../import/cypher.ts';
import { ensureAttackSchema } from '../../import/load.ts';
import type { Query } from '../../src/neo4j/executor.ts';
import { connectTestDb, type TestDb } from '../helpers/db.ts';

/*
 * The load's statements find nodes by key, (stixId, release), through the composite constraint's
 * index, whatever the statistics say. On a new or just-emptied database the planner chose by its
 * statistics to seek the `release` index and filter every node of the release for each row: a
 * full enterprise import took 86-130 s instead of about 10.
 */

const KEY_INDEX = /UNIQUE \w+:AttackObject\(stixId, release\)/;

/** Every operator of a plan, depth first. */
function operators(plan: Plan): { type: string; details: string }[] {
  const details = String((plan.arguments as Record<string, unknown>).Details ?? '');
  return [{ type: plan.operatorType, details }, ...plan.children.flatMap(operators)];
}

/** The statements that look nodes up by key, with how many lookups each makes per row. */
const KEYED: [Query, number][] = [
  [CREATE_RELS, 2],
  [UPDATE_NODES, 1],
  [SET_DOMAINS, 1],
  [DELETE_NODES, 1],
  [UPDATE_RELS, 1],
  [SET_REL_DOMAINS, 1],
  [DELETE_RELS, 1],
];

describe('the load statements on an empty database', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await connectTestDb();
    await db.reset({ dropSchema: true });
    await ensureAttackSchema(db.executor);
  });
  afterAll(() => db.close());

  it('import.createRelsById finds both ends by element id, with no scan', async () => {
    const session = db.driver.session({ database: db.config.neo4j.database });
    try {
      const { summary } = await session.run(`EXPLAIN ${CREATE_RELS_BY_ID.cypher}`, { rows: [] });
      if (!summary.plan) throw new Error(`no plan for ${CREATE_RELS_BY_ID.name}`);
      const ops = operators(summary.plan).map((o) => o.type);
      expect(ops.filter((t) => t.startsWith('NodeByElementIdSeek'))).toHaveLength(2);
      expect(ops.filter((t) => /Scan|Filter/.test(t))).toEqual([]);
    } finally {
      await session.close();
    }
  });

  it.each(KEYED.map(([query, n]) => [query.name, query, n] as const))(
    '%s seeks the (stixId, release) constraint for each node it finds by key',
    async (_name, query, lookups) => {
      const session = db.driver.session({ database: db.config.neo4j.database });
      try {
        // EXPLAIN plans without running; the planner sees what an import into this database sees.
        const { summary } = await session.run(`EXPLAIN ${query.cypher}`, {
          rows: [],
          ids: [],
          release: '1',
          domain: 'enterprise-attack',
        });
        const plan = summary.plan;
        if (!plan) throw new Error(`no plan for ${query.name}`);
        const ops = operators(plan);
        const keySeeks = ops.filter(
          (o) => o.type.startsWith('NodeUniqueIndexSeek') && KEY_INDEX.test(o.details),
        );
        expect(keySeeks).toHaveLength(lookups);
        // No scan of a whole release (or label) to find one node.
        expect(
          ops.filter((o) => /release = \$release/.test(o.details) && o.type.startsWith('NodeIndexSeek')),
        ).toEqual([]);
        expect(ops.map((o) => o.type).filter((t) => /Scan/.test(t))).toEqual([]);
      } finally {
        await session.close();
      }
    },
  );
});
