/**
 * Neo4j stops while the API serves a steady stream of requests. This file runs its own local
 * Neo4j (.neo4j/test-faults, Bolt 19687) so stopping it never disturbs the shared test database.
 * It needs Java and the Maven-fetched jars, like the local test server; without them it is skipped
 * only when SKIP_FAULTS_NEO4J is set.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSource } from '../../import/index.ts';
import { startLocalNeo4j, stopLocalNeo4j } from '../../scripts/local-neo4j/index.ts';
import { loadConfig, PROJECT_ROOT } from '../../src/env.ts';
import { createMetrics } from '../../src/http/metrics.ts';
import { createLogger } from '../../src/logger.ts';
import { createDriver } from '../../src/neo4j/driver.ts';
import { createExecutor, type Executor } from '../../src/neo4j/executor.ts';
import { type App, createApp } from '../../src/yoga.ts';
import { MINI_ENTERPRISE } from './support.ts';

const LOCAL = { home: path.join(PROJECT_ROOT, '.neo4j', 'test-faults'), boltPort: 19687, httpPort: 19474 };
const PASSWORD = 'attack-graph-faults';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let executor: Executor;
let yoga: App;
let metrics: ReturnType<typeof createMetrics>;
let startedHere = false;

beforeAll(async () => {
  const started = await startLocalNeo4j({ ...LOCAL, password: PASSWORD });
  startedHere = !started.alreadyRunning;
  const config = loadConfig({
    NEO4J_URI: `bolt://127.0.0.1:${LOCAL.boltPort}`,
    NEO4J_PASSWORD: PASSWORD,
    NEO4J_MAX_POOL_SIZE: '10',
    LOG_LEVEL: 'silent',
    REQUEST_TIMEOUT_MS: '3000',
  });
  metrics = createMetrics({ poolMax: 10, defaultMetrics: false });
  executor = createExecutor(createDriver(config.neo4j), {
    database: 'neo4j',
    timeoutMs: config.http.requestTimeoutMs,
    onQuery: metrics.onQuery,
    onQueryStart: metrics.onQueryStart,
  });
  await importSource(executor, MINI_ENTERPRISE);
  yoga = createApp({ config, executor, logger: createLogger('silent'), metrics });
}, 180_000);

afterAll(async () => {
  await executor?.close();
  if (startedHere) await stopLocalNeo4j(LOCAL.home);
}, 120_000);

type Outcome = { status: number; ok: boolean; codes: string[]; text: string };

async function ask(): Promise<Outcome> {
  const response = await yoga.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ techniques { totalCount } groups { totalCount } }' }),
  });
  const text = await response.text();
  const body = JSON.parse(text) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
  return {
    status: response.status,
    ok: !body.errors && body.data !== null,
    codes: (body.errors ?? []).map((e) => e.extensions?.code ?? 'NONE'),
    text,
  };
}

/** Four clients asking in a loop until `stop()`; every answer recorded. */
function stream() {
  const outcomes: Outcome[] = [];
  let running = true;
  const clients = Array.from({ length: 4 }, async () => {
    while (running) {
      outcomes.push(await ask());
      await sleep(25);
    }
  });
  return {
    outcomes,
    stop: async () => {
      running = false;
      await Promise.all(clients);
    },
  };
}

describe('Neo4j stops and comes back while requests stream in', () => {
  it('masks the errors, keeps serving, leaks nothing, and recovers within seconds', async () => {
    const before = await ask();
    expect(before.ok).toBe(true);
    const heapBefore = process.memoryUsage().heapUsed;

    const s = stream();
    await sleep(500);
    await stopLocalNeo4j(LOCAL.home);
    const stoppedAt = s.outcomes.length;
    await sleep(3_000);
    await startLocalNeo4j({ ...LOCAL, password: PASSWORD });
    const back = Date.now();
    let recoveredAfterMs: number | undefined;
    while (Date.now() - back < 30_000) {
      const last = s.outcomes.at(-1);
      if (last?.ok && s.outcomes.length > stoppedAt) {
        recoveredAfterMs = Date.now() - back;
        break;
      }
      await sleep(100);
    }
    await sleep(500);
    await s.stop();

    // Served again within seconds of Neo4j's return.
    expect(recoveredAfterMs).toBeDefined();
    expect(recoveredAfterMs).toBeLessThan(15_000);
    const outage = s.outcomes.slice(stoppedAt).filter((o) => !o.ok);
    expect(outage.length).toBeGreaterThan(0);
    for (const o of s.outcomes) {
      // Never a 500, never a stack trace or a driver detail; always data or a coded error.
      expect(o.status).toBe(200);
      expect(o.text).not.toMatch(/ECONNREFUSED|Neo4jError|\bat \S+\.(ts|js)|19687/);
      if (!o.ok) expect(o.codes.every((c) => ['SERVICE_UNAVAILABLE', 'TIMEOUT'].includes(c))).toBe(true);
    }
    // Nothing is held: no query in flight, and the heap is back near where it was.
    expect(await metrics.registry.getSingleMetricAsString('attack_graph_neo4j_queries_in_flight')).toMatch(
      /attack_graph_neo4j_queries_in_flight 0$/m,
    );
    const after = await ask();
    expect(after.ok).toBe(true);
    expect(after.text).toBe(before.text);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(100 * 1024 * 1024);
    expect((await yoga.fetch('http://test/ready')).status).toBe(200);
  }, 120_000);
});
