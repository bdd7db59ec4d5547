import neo4j from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadiness, READY_CACHE_MS, type ReadyState, shareRecent } from '../../src/http/readiness.ts';
import { createLogger } from '../../src/logger.ts';
import { createExecutor, type Executor } from '../../src/neo4j/executor.ts';
import { createApp } from '../../src/yoga.ts';
import { connectTestDb, type TestDb, testConfig } from '../helpers/db.ts';

/**
 * Replays issue 16's finding that /ready ran a Neo4j query per call, unthrottled (460 req/s from
 * 20 clients). Reads are counted where the executor reports each round trip.
 */

let db: TestDb;
beforeAll(async () => {
  db = await connectTestDb();
  await db.reset();
});
afterAll(() => db?.close());

const log = createLogger('silent');

/** An executor over the test database that counts its `http.ready` reads. */
function countingExecutor(driver = db.driver): { executor: Executor; readyReads: () => number } {
  let reads = 0;
  const executor = createExecutor(driver, {
    database: db.config.neo4j.database,
    onQueryStart: (name) => {
      if (name === 'http.ready') reads++;
    },
  });
  return { executor, readyReads: () => reads };
}

/** The app with its readiness on a clock the test moves. */
function appOnClock(executor: Executor) {
  const clock = { now: 0 };
  const readiness = createReadiness(executor, { log, now: () => clock.now });
  const yoga = createApp({ config: testConfig(), executor, logger: log, readiness });
  const ready = async () => (await yoga.fetch('http://test/ready')).status;
  return { clock, ready };
}

async function seed(): Promise<void> {
  await db.executor.write('test.seed', (tx) =>
    tx.run(
      { name: 'test.seed', cypher: 'CREATE (:AttackObject {stixId: $id})' },
      { id: `test--${Date.now()}` },
    ),
  );
}

describe('/ready', () => {
  it('asks Neo4j once for any number of concurrent and rapid calls within READY_CACHE_MS', async () => {
    await seed();
    const { executor, readyReads } = countingExecutor();
    const { clock, ready } = appOnClock(executor);
    const concurrent = await Promise.all(Array.from({ length: 40 }, ready));
    expect(concurrent.every((s) => s === 200)).toBe(true);
    for (let i = 0; i < 40; i++) expect(await ready()).toBe(200);
    expect(readyReads()).toBe(1);
    clock.now += READY_CACHE_MS - 1;
    expect(await ready()).toBe(200);
    expect(readyReads()).toBe(1);
    // The window is over: the next call asks again, and that answer is shared again.
    clock.now += 1;
    await Promise.all(Array.from({ length: 10 }, ready));
    expect(readyReads()).toBe(2);
  });

  it('follows Neo4j once the window has passed, never later', async () => {
    await db.reset();
    const { executor, readyReads } = countingExecutor();
    const { clock, ready } = appOnClock(executor);
    expect(await ready()).toBe(503);
    await seed();
    // Within the window the answer stands, however often it is asked for.
    expect(await ready()).toBe(503);
    clock.now += READY_CACHE_MS;
    expect(await ready()).toBe(200);
    expect(readyReads()).toBe(2);
  });

  it('with the real clock, concurrent calls share one read, also while Neo4j is down', async () => {
    await seed();
    const live = countingExecutor();
    const app = createApp({ config: testConfig(), executor: live.executor, logger: log });
    const statuses = await Promise.all(
      Array.from({ length: 20 }, async () => (await app.fetch('http://test/ready')).status),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(live.readyReads()).toBe(1);

    const deadDriver = neo4j.driver('bolt://127.0.0.1:1', neo4j.auth.basic('neo4j', 'irrelevant'), {
      connectionTimeout: 1_000,
      maxTransactionRetryTime: 0,
    });
    const dead = countingExecutor(deadDriver);
    try {
      const down = createApp({ config: testConfig(), executor: dead.executor, logger: log });
      const answers = await Promise.all(Array.from({ length: 20 }, () => down.fetch('http://test/ready')));
      expect(answers.every((r) => r.status === 503)).toBe(true);
      expect(await answers[0]?.json()).toEqual({ status: 'unavailable' });
      expect(dead.readyReads()).toBe(1);
    } finally {
      await dead.executor.close();
    }
  });
});

describe('shareRecent', () => {
  it('shares a running load, then its result until ttl after it started, then loads again', async () => {
    let now = 0;
    let loads = 0;
    const pending: ((state: ReadyState) => void)[] = [];
    const load = () =>
      new Promise<ReadyState>((resolve) => {
        loads++;
        pending.push(resolve);
      });
    const get = shareRecent(load, 1_000, () => now);
    const a = get();
    now = 5_000; // a slow load: callers still wait for it rather than starting another
    const b = get();
    expect(loads).toBe(1);
    pending[0]?.('ready');
    expect(await Promise.all([a, b])).toEqual(['ready', 'ready']);
    // Settled, and started more than ttl ago: the next call loads afresh.
    const c = get();
    expect(loads).toBe(2);
    pending[1]?.('empty');
    expect(await c).toBe('empty');
    now += 999;
    expect(await get()).toBe('empty');
    expect(loads).toBe(2);
  });

  it('shares a failure the same way', async () => {
    let loads = 0;
    const get = shareRecent(
      async () => {
        loads++;
        throw new Error('down');
      },
      1_000,
      () => 0,
    );
    await expect(get()).rejects.toThrow('down');
    await expect(get()).rejects.toThrow('down');
    expect(loads).toBe(1);
  });
});
