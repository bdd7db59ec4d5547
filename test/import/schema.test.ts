import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSource } from '../../import/index.ts';
import { createExecutor, type Executor } from '../../src/neo4j/executor.ts';
import { connectTestDb, type TestDb } from '../helpers/db.ts';
import { MINI_ENTERPRISE, MINI_ICS } from '../helpers/paths.ts';

/** The importer's schema step writes only what the database lacks. */
describe('the schema step', () => {
  let db: TestDb;
  let executor: Executor;
  const names: string[] = [];
  const schemaWrites = () => names.filter((n) => n.startsWith('schema.')).sort();
  beforeAll(async () => {
    db = await connectTestDb();
    await db.reset({ dropSchema: true });
    executor = createExecutor(db.driver, {
      database: db.config.neo4j.database,
      onQuery: (name) => names.push(name),
    });
  });
  afterAll(() => db.close());

  it('creates every constraint and index on an empty database', async () => {
    await importSource(executor, MINI_ENTERPRISE);
    expect(schemaWrites()).toHaveLength(7);
  });

  it('writes no schema statement when all of it is there', async () => {
    names.length = 0;
    await importSource(executor, MINI_ICS);
    await importSource(executor, MINI_ENTERPRISE);
    // Before: seven schema transactions on every import, whatever the database held.
    expect(schemaWrites()).toEqual([]);
  });

  it('creates only what went missing', async () => {
    await db.driver.executeQuery('DROP INDEX attack_object_name', {}, { database: db.config.neo4j.database });
    names.length = 0;
    await importSource(executor, MINI_ENTERPRISE);
    expect(schemaWrites()).toEqual(['schema.attack_object_name']);
  });
});
