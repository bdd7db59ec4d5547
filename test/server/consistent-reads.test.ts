import { describe, expect, it } from 'vitest';
import { RECORD_RUN } from '../../import/cypher.ts';
import { createExecutor, type Executor } from '../../src/neo4j/executor.ts';
import { testConfig } from '../helpers/db.ts';
import { type GqlBody, serve, useMiniDb } from '../helpers/server.ts';

const mini = useMiniDb();

describe('CONSISTENT_READS', () => {
  it('runs the operation again when an import commits between its levels, and answers from one graph state', async () => {
    const config = testConfig();
    const real = createExecutor(mini.db.driver, { database: config.neo4j.database });
    const lookups: string[] = [];
    let imported = false;
    // An import commits right after the first level (the lookup, one auto-commit statement) was read.
    const importing: Executor = {
      ...real,
      read: async (query, params, options) => {
        const rows = await real.read(query, params, options);
        if (query.name.startsWith('objects.lookup')) {
          lookups.push(query.cypher);
          if (!imported) {
            imported = true;
            await mini.db.driver.executeQuery(RECORD_RUN.cypher, {
              run: { id: 'test-run', finishedAt: '9999' },
            });
          }
        }
        return rows;
      },
      readBatch: async (reads, options) => {
        for (const r of reads) if (r.query.name.startsWith('objects.lookup')) lookups.push(r.query.cypher);
        return real.readBatch(reads, options);
      },
    };
    const app = serve(mini.db, { RESPONSE_CACHE_TTL_MS: '0' }, importing);
    try {
      // The lookup reads the tactics in its own statement; their techniques are a second level.
      const query =
        '{ technique(attackId: "T1003") { name tactics { nodes { name techniques(first: 3) { nodes { name } } } } } }';
      const body = (await (await app.post({ query })).json()) as GqlBody;
      expect(body.errors).toBeUndefined();
      expect(body.data?.technique).toMatchObject({ name: expect.any(String) });
      // Asked twice: the first answer mixed two versions and was dropped. The first lookup carried
      // the version inside its statement; the re-run reads it around every batch instead.
      expect(lookups).toHaveLength(2);
      expect(lookups[0]).toContain('__trackedVersion');
      expect(lookups[1]).not.toContain('__trackedVersion');
      expect(app.logText()).toContain('data changed during the request: running it again');
    } finally {
      await mini.db.driver.executeQuery("MATCH (r:ImportRun {id: 'test-run'}) DELETE r");
    }
  });
});
