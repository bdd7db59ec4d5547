/**
 * API_WORKERS: `npm start`'s entry point runs several workers behind one port. Requests spread
 * over them, /metrics sums every worker whichever one answers, and SIGTERM stops them all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../helpers/db.ts';
import { connectMiniDb, type TestDb } from '../helpers/server.ts';
import { type Api, startApi } from '../helpers/start.ts';

const WORKERS = 2;
let db: TestDb;
let api: Api;

beforeAll(async () => {
  db = await connectMiniDb();
  api = await startApi({ API_WORKERS: String(WORKERS) });
}, 240_000);
afterAll(async () => {
  await api?.stop();
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
      const response = await fetch(`${api.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ query: '{ technique(attackId: "T1003") { attackId } }' }),
      });
      expect(await response.json()).toMatchObject({ data: { technique: { attackId: 'T1003' } } });
    }
    const text = await (await fetch(`${api.base}/metrics`, { headers: { connection: 'close' } })).text();
    // One worker alone saw about half of them: the sum shows every worker's share.
    expect(sum(text, 'attack_graph_http_requests_total', 'route="/graphql"')).toBe(requests);
    // Gauges add up too: every worker may open its own pool.
    const pool = Number(/^attack_graph_neo4j_pool_max_connections (\d+)/m.exec(text)?.[1]);
    expect(pool).toBe(WORKERS * testConfig().neo4j.maxPoolSize);
  });

  it('stops every worker on SIGTERM and exits cleanly', async () => {
    await api.stop();
    expect(await api.exited).toBe(0);
    expect(
      await fetch(`${api.base}/health`).then(
        () => 'up',
        () => 'down',
      ),
    ).toBe('down');
  }, 60_000);
});
