import neo4j from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalNeo4j, stopLocalNeo4j } from '../../src/local-neo4j/index.ts';
import { createLogger } from '../../src/logger.ts';
import { createExecutor } from '../../src/neo4j/executor.ts';
import { type App, createApp } from '../../src/yoga.ts';
import { createGql, createTestApp, type TestApp } from '../helpers/app.ts';

let app: TestApp;

beforeAll(async () => {
  app = await createTestApp();
  await app.db.reset();
});
afterAll(() => app?.close());

const get = (yoga: App, path: string, accept = 'application/json') =>
  yoga.fetch(`http://test${path}`, { headers: { accept } });

/** Seeds `n` bare ATT&CK nodes; returns how many the graph now holds. */
async function seed(n: number): Promise<number> {
  await app.db.executor.write('test.seed', (tx) =>
    tx.run(
      { name: 'test.seed', cypher: 'UNWIND range(1, $n) AS i CREATE (:AttackObject {stixId: $prefix + i})' },
      { n, prefix: `test--${Date.now()}-` },
    ),
  );
  const [row] = await app.db.executor.read({
    name: 'test.count',
    cypher: 'MATCH (n:AttackObject) RETURN count(n) AS c',
  });
  return Number(row?.c);
}

/** An app whose Neo4j is a closed port: every database call fails at once (no retries, short timeout). */
function deadApp() {
  const lines: string[] = [];
  const logger = createLogger('warn', { write: (line: string) => void lines.push(line) });
  const driver = neo4j.driver('bolt://127.0.0.1:1', neo4j.auth.basic('neo4j', 'irrelevant'), {
    connectionTimeout: 1_000,
    maxTransactionRetryTime: 0,
  });
  const executor = createExecutor(driver, { database: 'neo4j' });
  const yoga = createApp({ config: app.db.config, executor, logger });
  return { yoga, gql: createGql(yoga), logged: () => lines.join(''), close: () => executor.close() };
}

describe('/health', () => {
  it('answers 200 while the process runs, whatever Neo4j does', async () => {
    expect((await get(app.yoga, '/health')).status).toBe(200);
    const dead = deadApp();
    try {
      expect((await get(dead.yoga, '/health')).status).toBe(200);
    } finally {
      await dead.close();
    }
  });
});

describe('/ready', () => {
  it('answers 503 "empty" while Neo4j answers but holds no ATT&CK data, 200 once it does', async () => {
    await app.db.reset();
    const empty = await get(app.yoga, '/ready');
    expect(empty.status).toBe(503);
    expect(await empty.json()).toEqual({ status: 'empty' });
    await seed(1);
    // /ready shares one answer for up to READY_CACHE_MS (readiness.test.ts), then follows Neo4j.
    await expect.poll(async () => (await get(app.yoga, '/ready')).status, { timeout: 5_000 }).toBe(200);
  });

  it('answers 503 when Neo4j does not', async () => {
    const dead = deadApp();
    try {
      const response = await get(dead.yoga, '/ready');
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'unavailable' });
      expect(dead.logged()).toContain('not ready');
    } finally {
      await dead.close();
    }
  });
});

describe('GraphQL', () => {
  it('serves GraphiQL with the headline query', async () => {
    const response = await get(app.yoga, '/graphql', 'text/html');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('credential-access');
  });

  it('reports the Neo4j server and how many ATT&CK objects it holds', async () => {
    const count = await seed(7);
    const result = await app.gql<{
      status: { neo4jVersion: string; neo4jEdition: string; objectCount: number };
    }>('{ status { neo4jVersion neo4jEdition objectCount } }');
    expect(result.errors).toBeUndefined();
    const info = await app.db.driver.getServerInfo();
    expect(`Neo4j/${result.data?.status.neo4jVersion}`).toBe(info.agent);
    expect(result.data?.status.neo4jVersion).toMatch(/^5\.26\./);
    expect(result.data?.status.objectCount).toBe(count);
    expect(count).toBeGreaterThanOrEqual(7);
  });

  it('reports the database round trips of each request in extensions.dbRoundTrips', async () => {
    expect((await app.gql('{ __typename }')).extensions?.dbRoundTrips).toBe(0);
    expect((await app.gql('{ status { objectCount } }')).extensions?.dbRoundTrips).toBe(1);
    // Sibling fields resolve in the same tick: their reads travel together, in one round trip.
    const twice = await app.gql('{ a: status { objectCount } b: status { neo4jVersion } }');
    expect(twice.errors).toBeUndefined();
    expect(twice.extensions?.dbRoundTrips).toBe(1);
    // Requests that never execute say so too.
    const invalid = await app.gql('{ noSuchField }');
    expect(invalid.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(invalid.extensions?.dbRoundTrips).toBe(0);
  });

  it('says the database is unavailable (SERVICE_UNAVAILABLE), hides why, and logs it in full', async () => {
    const dead = deadApp();
    try {
      const result = await dead.gql('{ status { objectCount } }');
      expect(result.data).toBeNull();
      expect(result.errors).toHaveLength(1);
      expect(result.errors?.[0]).toMatchObject({
        message: 'The database is unavailable; try again shortly.',
        path: ['status'],
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      });
      expect(JSON.stringify(result)).not.toMatch(/stack|at .*\.ts/);
      expect(JSON.stringify(result)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|Neo4j/i);
      expect(result.extensions?.dbRoundTrips).toBe(1);
      expect(dead.logged()).toContain('ECONNREFUSED');
    } finally {
      await dead.close();
    }
  });
});

const target = inject('neo4j');

describe.runIf(target.local)('when the local Neo4j stops and comes back', () => {
  it('answers 503 meanwhile and serves again without a restart', async () => {
    const local = target.local;
    if (!local) throw new Error('unreachable: runIf');
    const query = '{ status { objectCount } }';
    const before = await app.gql<{ status: { objectCount: number } }>(query);
    expect(before.errors).toBeUndefined();
    expect((await get(app.yoga, '/ready')).status).toBe(200);
    await stopLocalNeo4j(local.home);
    try {
      await expect.poll(async () => (await get(app.yoga, '/ready')).status, { timeout: 5_000 }).toBe(503);
    } finally {
      await startLocalNeo4j({ ...local, password: target.password });
    }
    await expect.poll(async () => (await get(app.yoga, '/ready')).status, { timeout: 5_000 }).toBe(200);
    const after = await app.gql<{ status: { objectCount: number } }>(query);
    expect(after.errors).toBeUndefined();
    expect(after.data?.status.objectCount).toBe(before.data?.status.objectCount);
  });
});
