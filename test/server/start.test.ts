/**
 * `npm start` (scripts/start.ts): on an empty graph it imports ATTACK_SOURCES before it serves; over
 * a graph that holds data it imports nothing; SIGTERM stops it cleanly.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestDb, type TestDb } from '../helpers/db.ts';
import { MINI_ENTERPRISE } from '../helpers/paths.ts';
import { type Api, startApi } from '../helpers/start.ts';

let db: TestDb;
const started: Api[] = [];

beforeAll(async () => {
  db = await connectTestDb();
  await db.reset();
});
afterAll(async () => {
  for (const api of started) await api.stop();
  await db?.close();
});

async function start(): Promise<Api> {
  const api = await startApi({ ATTACK_SOURCES: MINI_ENTERPRISE });
  started.push(api);
  return api;
}

async function gql<T>(api: Api, query: string): Promise<T> {
  const response = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data: T; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data;
}

type Runs = { importRuns: { totalCount: number; nodes: { source: string }[] } };
const RUNS = '{ importRuns { totalCount nodes { source } } }';

/** The ATT&CK IDs of the fixture's techniques, read from the file itself. */
function fixtureTechniques(): string[] {
  const bundle = JSON.parse(readFileSync(MINI_ENTERPRISE, 'utf8')) as {
    objects: { type: string; external_references?: { source_name: string; external_id?: string }[] }[];
  };
  return bundle.objects
    .filter((o) => o.type === 'attack-pattern')
    .flatMap((o) => o.external_references ?? [])
    .filter((r) => r.source_name === 'mitre-attack' && r.external_id)
    .map((r) => r.external_id as string);
}

describe('npm start', () => {
  it('imports ATTACK_SOURCES into an empty graph, serves it, and stops on SIGTERM', async () => {
    const api = await start();
    const runs = await gql<Runs>(api, RUNS);
    expect(runs.importRuns.totalCount).toBe(1);
    expect(runs.importRuns.nodes[0]?.source).toBe(MINI_ENTERPRISE);
    const [first] = fixtureTechniques();
    expect(first).toBeDefined();
    const found = await gql<{ technique: { attackId: string } | null }>(
      api,
      `{ technique(attackId: "${first}") { attackId } }`,
    );
    expect(found.technique?.attackId).toBe(first);
    await api.stop();
    expect(await api.exited).toBe(0);
  }, 240_000);

  it('imports nothing when the graph already holds data, and numbers a graph from before ordinals', async () => {
    const database = { database: db.config.neo4j.database };
    await db.driver.executeQuery('MATCH (n:AttackObject) REMOVE n.ordinal', {}, database);
    const api = await start();
    expect((await gql<Runs>(api, RUNS)).importRuns.totalCount).toBe(1);
    const { records } = await db.driver.executeQuery(
      `MATCH (n:AttackObject) WITH n ORDER BY n.attackId, n.name, n.stixId
       RETURN collect(n.ordinal) AS ordinals`,
      {},
      database,
    );
    const ordinals = records[0]?.get('ordinals') as unknown[];
    expect(ordinals.length).toBeGreaterThan(0);
    expect(ordinals).toEqual([...ordinals.keys()]);
    await api.stop();
    expect(await api.exited).toBe(0);
  }, 240_000);
});
