import type { ProfiledPlan } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA } from '../../import/cypher.ts';
import { importSource } from '../../import/index.ts';
import { DATA_VERSION, fetchDataVersion } from '../../src/data/graph-state.ts';
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
    expect(schemaWrites()).toHaveLength(Object.keys(SCHEMA).length);
    expect(schemaWrites()).toContain('schema.attack_object_stix_release');
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

/**
 * A graph imported before releases (one node per STIX id, the old constraint) is migrated by the
 * next import's schema step: its nodes get their domain's release, the old constraint goes, and
 * the release it held is recorded and current, so a newer release imports beside it.
 */
describe('the schema step on a graph from before releases', () => {
  let db: TestDb;
  const read = (cypher: string) => db.executor.read({ name: 'test', cypher });
  beforeAll(async () => {
    db = await connectTestDb();
    await db.reset({ dropSchema: true });
  });
  afterAll(() => db.close());

  it('gives old nodes a release, drops the old constraint, and records the release', async () => {
    await importSource(db.executor, MINI_ENTERPRISE);
    // Turn the graph into the old shape: no release, no :Current, no :Release, the old constraint.
    const legacy = [
      'MATCH (n:AttackObject) REMOVE n.release, n:Current',
      'MATCH (r:Release) DELETE r',
      'MATCH (r:ImportRun) REMOVE r.release',
      'DROP CONSTRAINT attack_object_stix_release',
      'DROP INDEX attack_object_stix',
      'CREATE CONSTRAINT attack_object_stix_id FOR (n:AttackObject) REQUIRE n.stixId IS UNIQUE',
    ];
    for (const cypher of legacy)
      await db.driver.executeQuery(cypher, {}, { database: db.config.neo4j.database });

    const report = await importSource(db.executor, MINI_ICS);
    expect(report.changed).toBe(true);
    const names = (await read('SHOW CONSTRAINTS YIELD name RETURN name')).map((r) => r.name);
    expect(names).toContain('attack_object_stix_release');
    expect(names).not.toContain('attack_object_stix_id');
    expect(await read('MATCH (n:AttackObject) WHERE n.release IS NULL RETURN count(n) AS n')).toEqual([
      { n: 0 },
    ]);
    const releases = await read(
      'MATCH (r:Release) RETURN r.domain AS domain, r.release AS release ORDER BY domain',
    );
    expect(releases).toEqual([
      { domain: 'enterprise-attack', release: '1.0' },
      { domain: 'ics-attack', release: '1.0' },
    ]);
    const notCurrent = await read('MATCH (n:AttackObject) WHERE NOT n:Current RETURN count(n) AS n');
    expect(notCurrent).toEqual([{ n: 0 }]);
  });
});

/**
 * Every node carries its place in its release's stable order (`ordinal`, import/ordinals.ts), which
 * the API's lists sort on: unique in the release and in the order of ATT&CK ID, name and STIX id,
 * after a second domain adds objects to the same release, and again on a graph from before ordinals.
 */
describe('the ordinals of a release', () => {
  let db: TestDb;
  const read = (cypher: string) => db.executor.read({ name: 'test', cypher });
  /** Per release: the ordinals in the stable order as Cypher sorts the three properties. */
  const inOrder = async () =>
    read(`MATCH (n:AttackObject) WITH n ORDER BY n.release, n.attackId, n.name, n.stixId
          RETURN n.release AS release, collect(n.ordinal) AS ordinals, count(n) AS nodes`);
  const ascending = (xs: unknown[]) =>
    xs.every((x, i) => typeof x === 'number' && (i === 0 || (xs[i - 1] as number) < x));
  beforeAll(async () => {
    db = await connectTestDb();
    await db.reset();
  });
  afterAll(() => db.close());

  it('numbers a release in the stable order, and again when another domain adds to it', async () => {
    await importSource(db.executor, MINI_ENTERPRISE);
    const [first] = await inOrder();
    expect(first?.ordinals).toEqual([...Array(first?.nodes as number).keys()]);
    await importSource(db.executor, MINI_ICS);
    const [both] = await inOrder();
    expect(both?.nodes as number).toBeGreaterThan(first?.nodes as number);
    expect(ascending(both?.ordinals as unknown[])).toBe(true);
  });

  it('gives ordinals to a graph from before them at the next import, even one that changes nothing', async () => {
    await db.driver.executeQuery(
      'MATCH (n:AttackObject) REMOVE n.ordinal',
      {},
      { database: db.config.neo4j.database },
    );
    const report = await importSource(db.executor, MINI_ENTERPRISE);
    expect(report.changed).toBe(false);
    const [release] = await inOrder();
    expect(release?.ordinals).toEqual([...Array(release?.nodes as number).keys()]);
  });
});

describe('the change records the data version counts', () => {
  let db: TestDb;
  const version = async () => fetchDataVersion(db.executor);
  beforeAll(async () => {
    db = await connectTestDb();
    await db.reset();
  });
  afterAll(() => db.close());

  const cypher = (statement: string, params = {}) =>
    db.driver.executeQuery(statement, params, { database: db.config.neo4j.database });

  it('labels and times every record as it is written, and those from before at the next import', async () => {
    await importSource(db.executor, MINI_ENTERPRISE);
    await importSource(db.executor, MINI_ICS);
    const before = await version();
    const { records } = await cypher(
      'MATCH (r:ImportRun) RETURN r.id AS id ORDER BY r.finishedAt DESC, r.id DESC',
    );
    // Counted, and named by the newest record, which the ICS import wrote.
    expect(before).toBe(`2:${records[0]?.get('id')}`);
    // A graph from before the shared label and `changedAt`: its records carry only their kind's
    // label and their own time.
    await cypher('MATCH (r:DataChange) REMOVE r:DataChange, r.changedAt');
    expect(await version()).toBe('0:none');
    // An import that changes nothing records nothing, but marks the records from before.
    const report = await importSource(db.executor, MINI_ENTERPRISE);
    expect(report.changed).toBe(false);
    expect(await version()).toBe(before);
  });

  it('reads the same few records however many changes the graph has seen', async () => {
    const base = Number((await version()).split(':')[0]);
    // Six hundred more records, the newest (by time, then id) last-but-one written.
    await cypher(
      `UNWIND range(1, 600) AS i
       CREATE (:ReleaseRemoval:DataChange {id: 'removal-' + (1000 + i), at: $at[i % 2], changedAt: $at[i % 2]})`,
      { at: ['2030-01-01T00:00:00.000Z', '2031-01-01T00:00:00.000Z'] },
    );
    expect(await version()).toBe(`${base + 600}:removal-1599`);
    const { summary } = await cypher(`PROFILE ${DATA_VERSION.cypher}`);
    const hits = (p: ProfiledPlan): number => p.dbHits + p.children.reduce((n, c) => n + hits(c), 0);
    // The count store and one index step, not a scan of the records (600 and more db hits).
    expect(hits(summary.profile as ProfiledPlan)).toBeLessThan(20);
  });
});
