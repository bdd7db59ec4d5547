/**
 * API_WORKERS: `npm start`'s entry point runs several workers behind one port. Requests spread
 * over them, /metrics sums every worker whichever one answers, and SIGTERM stops them all.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../bench/free-port.ts';
import { PROJECT_ROOT } from '../../src/env.ts';
import { testConfig } from '../helpers/db.ts';
import { connectMiniDb, type TestDb } from '../helpers/server.ts';

const WORKERS = 2;
let db: TestDb;
let child: ChildProcess;
let base: string;
let exited: Promise<number | null>;

beforeAll(async () => {
  db = await connectMiniDb();
  const { neo4j } = testConfig();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'main.ts')], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      NEO4J_URI: neo4j.uri,
      NEO4J_USER: neo4j.user,
      NEO4J_PASSWORD: neo4j.password,
      NEO4J_DATABASE: neo4j.database,
      HOST: '127.0.0.1',
      PORT: String(port),
      API_WORKERS: String(WORKERS),
      LOG_LEVEL: 'warn',
    },
  });
  exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  while (
    !(await fetch(`${base}/ready`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline) throw new Error('the workers were not ready within 120 s');
    await new Promise((r) => setTimeout(r, 250));
  }
}, 240_000);
afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await db?.close();
});

/** The sum of a counter's samples in Prometheus text, over the label sets that match `labels`. */
function sum(text: string, name: string, labels: string): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(labels))
    .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}

describe('API_WORKERS', () => {
  it('answers from several processes and reports the metrics of all of them', async () => {
    const requests = 12;
    for (let i = 0; i < requests; i++) {
      // A new connection each time: the primary hands connections to the workers in turn.
      const response = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ query: '{ technique(attackId: "T1003") { attackId } }' }),
      });
      expect(await response.json()).toMatchObject({ data: { technique: { attackId: 'T1003' } } });
    }
    const text = await (await fetch(`${base}/metrics`, { headers: { connection: 'close' } })).text();
    // One worker alone saw about half of them: the sum shows every worker's share.
    expect(sum(text, 'attack_graph_http_requests_total', 'route="/graphql"')).toBe(requests);
    // Gauges add up too: every worker may open its own pool.
    const pool = Number(/^attack_graph_neo4j_pool_max_connections (\d+)/m.exec(text)?.[1]);
    expect(pool).toBe(WORKERS * testConfig().neo4j.maxPoolSize);
  });

  it('stops every worker on SIGTERM and exits cleanly', async () => {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(
      await fetch(`${base}/health`).then(
        () => 'up',
        () => 'down',
      ),
    ).toBe('down');
  }, 60_000);
});
