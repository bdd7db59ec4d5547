import type { Driver } from 'neo4j-driver';
import { inject } from 'vitest';
import { type Config, loadConfig } from '../../src/env.ts';
import { createDriver } from '../../src/neo4j/driver.ts';
import { createExecutor, type Executor } from '../../src/neo4j/executor.ts';

export interface TestDb {
  /** The app configuration pointing at the test database (built through loadConfig, like the app's). */
  config: Config;
  driver: Driver;
  executor: Executor;
  /**
   * Empties the database in batches, so a test file never sees another file's data.
   * `dropSchema` also drops every constraint and index, for tests of the importer's schema step.
   */
  reset(options?: { dropSchema?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/** The configuration of the database the global setup picked, as the app would load it. */
export function testConfig(env: Record<string, string> = {}): Config {
  const { uri, user, password, database } = inject('neo4j');
  return loadConfig({
    // The rest of the environment still counts, e.g. ATTACK_DATA_DIR for the bundles.
    ...process.env,
    NEO4J_URI: uri,
    NEO4J_USER: user,
    NEO4J_PASSWORD: password,
    NEO4J_DATABASE: database,
    LOG_LEVEL: 'silent',
    ...env,
  });
}

export async function connectTestDb(): Promise<TestDb> {
  const config = testConfig();
  const driver = createDriver(config.neo4j);
  const executor = createExecutor(driver, { database: config.neo4j.database });
  const { database } = config.neo4j;

  // CALL { } IN TRANSACTIONS needs an implicit (auto-commit) transaction, which the executor
  // deliberately doesn't offer: the test helper talks to the driver directly.
  const autoCommit = async (cypher: string) => {
    const session = driver.session({ database });
    try {
      return (await session.run(cypher)).records;
    } finally {
      await session.close();
    }
  };

  return {
    config,
    driver,
    executor,
    async reset({ dropSchema = false } = {}) {
      // Relationships first: a batch of nodes detached with all their relationships can exceed the
      // server's transaction memory once several releases are held (nine real ones: ~250 000).
      await autoCommit('MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS');
      await autoCommit('MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS');
      if (!dropSchema) return;
      // Names come from the server, not from input; constraints first, as they own their indexes.
      for (const r of await autoCommit('SHOW CONSTRAINTS YIELD name')) {
        await autoCommit(`DROP CONSTRAINT \`${r.get('name')}\` IF EXISTS`);
      }
      for (const r of await autoCommit("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP'")) {
        await autoCommit(`DROP INDEX \`${r.get('name')}\` IF EXISTS`);
      }
    },
    close: () => driver.close(),
  };
}
