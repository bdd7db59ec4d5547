import { copyFile, mkdir, mkdtemp, readFile, stat, utimes } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newestLocalBundle } from '../../import/official.ts';
import { importCli } from '../helpers/cli.ts';
import { connectTestDb, type TestDb } from '../helpers/db.ts';
import { MINI_ENTERPRISE } from '../helpers/paths.ts';
import { startApi } from '../helpers/start.ts';

/*
 * `attack:enterprise` as a user on a sometimes-offline machine runs it: a local HTTP server stands
 * in for MITRE (ATTACK_BASE_URL), and `npm run import` runs as a child process.
 */

let db: TestDb;
let root: string;
let server: Server;
let baseUrl: string;
const requests: string[] = [];

/** A base URL where nothing listens: a server started, its port noted, and the server closed. */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return `http://127.0.0.1:${port}/attack-stix-data`;
}

/** `npm run import -- args` with `env`, and a short import deadline: a hang fails fast. */
const importWith = (env: Record<string, string>, ...args: string[]) =>
  importCli(args, { IMPORT_TIMEOUT_MS: '5000', ...env });

/** A data folder of local bundles: 2.0 is the newest file on disk, 10.0 the highest release. */
async function localBundles(data: string) {
  await mkdir(data, { recursive: true });
  for (const name of [
    'enterprise-attack-2.0.json',
    'enterprise-attack-10.0.json',
    'enterprise-attack-9.1.json',
    'mobile-attack-99.0.json',
    'enterprise-attack.json',
  ])
    await copyFile(MINI_ENTERPRISE, path.join(data, name));
  // 2.0 is the newest file on disk; 10.0 is the highest release.
  const later = new Date(Date.now() + 60_000);
  await utimes(path.join(data, 'enterprise-attack-2.0.json'), later, later);
}

beforeAll(async () => {
  db = await connectTestDb();
  await db.reset();
  root = await mkdtemp(path.join(tmpdir(), 'attack-graph-offline-'));
  await localBundles(path.join(root, 'data'));
  const bundle = await readFile(MINI_ENTERPRISE);
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/attack-stix-data/enterprise-attack/enterprise-attack.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(bundle);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/attack-stix-data`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await db.close();
});
beforeEach(() => {
  requests.length = 0;
});

describe('attack:enterprise with a cache', () => {
  let env: Record<string, string>;
  beforeAll(async () => {
    env = {
      ATTACK_BASE_URL: baseUrl,
      ATTACK_CACHE_DIR: path.join(root, 'cache'),
      ATTACK_DATA_DIR: path.join(root, 'empty'),
    };
  });

  it('the first run fetches and keeps the bundle', async () => {
    const { code, stderr } = await importWith(env, 'attack:enterprise');
    expect(code).toBe(0);
    expect(requests).toEqual(['/attack-stix-data/enterprise-attack/enterprise-attack.json']);
    expect(stderr).toContain(
      `attack:enterprise (${baseUrl}/enterprise-attack/enterprise-attack.json) -> enterprise-attack 1.0`,
    );
    const kept = path.join(root, 'cache', 'enterprise-attack.json');
    expect(await readFile(kept)).toEqual(await readFile(MINI_ENTERPRISE));
  });

  it('the next run reads the cache, with no request at all, and says so', async () => {
    const { code, stderr } = await importWith(env, 'attack:enterprise');
    expect(code).toBe(0);
    expect(requests).toEqual([]);
    expect(stderr).toContain(
      `note: attack:enterprise: read the cached copy ${path.join(root, 'cache', 'enterprise-attack.json')}`,
    );
    expect(stderr).toContain('unchanged: the graph already holds this bundle');
  });

  it('--refresh, or a copy older than ATTACK_CACHE_MAX_AGE_S, fetches again', async () => {
    expect((await importWith(env, '--refresh', 'attack:enterprise')).code).toBe(0);
    expect(requests).toHaveLength(1);
    expect((await importWith({ ...env, ATTACK_CACHE_MAX_AGE_S: '0' }, 'attack:enterprise')).code).toBe(0);
    expect(requests).toHaveLength(2);
  });

  it('a release is kept under its own name and never expires', async () => {
    // The stand-in has no 1.0 release: a 404 with nothing local is one clear error.
    const missing = await importWith({ ...env, ATTACK_CACHE_MAX_AGE_S: '0' }, 'attack:enterprise@1.0');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^error: cannot fetch \S+enterprise-attack-1\.0\.json: HTTP 404 .*no local bundle of enterprise-attack \(enterprise-attack-1\.0\.json\)/m,
    );
    await copyFile(MINI_ENTERPRISE, path.join(root, 'cache', 'enterprise-attack-1.0.json'));
    const { code, stderr } = await importWith(
      { ...env, ATTACK_CACHE_MAX_AGE_S: '0' },
      'attack:enterprise@1.0',
    );
    expect(code).toBe(0);
    expect(requests).toHaveLength(1);
    expect(stderr).toContain('read the cached copy');
  });

  it('MITRE unreachable: a stale cached copy stands in, and the output says so', async () => {
    const { code, stderr } = await importWith(
      { ...env, ATTACK_BASE_URL: await deadUrl(), ATTACK_CACHE_MAX_AGE_S: '0' },
      'attack:enterprise',
    );
    expect(code).toBe(0);
    expect(stderr).toMatch(
      /note: cannot fetch http:\/\/127\.0\.0\.1:\d+\/attack-stix-data\/enterprise-attack\/enterprise-attack\.json: .*; read the cached copy \S+enterprise-attack\.json instead/,
    );
  });
});

describe('attack:enterprise offline, without a cache', () => {
  it('falls back to the highest release in ATTACK_DATA_DIR (not the newest file) and names it', async () => {
    await db.reset();
    const data = path.join(root, 'data');
    const env = {
      ATTACK_BASE_URL: await deadUrl(),
      ATTACK_CACHE_DIR: path.join(root, 'no-cache'),
      ATTACK_DATA_DIR: data,
    };
    const { code, stderr } = await importWith(env, 'attack:enterprise');
    expect(code).toBe(0);
    const chosen = path.join(data, 'enterprise-attack-10.0.json');
    expect(stderr).toMatch(
      new RegExp(
        `note: cannot fetch \\S+enterprise-attack\\.json: .*; read the local bundle ${chosen.replaceAll('.', '\\.')} instead`,
      ),
    );
    expect(stderr).toContain(`attack:enterprise (${chosen}) -> enterprise-attack 1.0`);
    const [run] = await db.executor.read({
      name: 'test.run',
      cypher: 'MATCH (r:ImportRun) RETURN r.location AS location',
    });
    expect(run?.location).toBe(chosen);
    // Nothing was fetched, so nothing is cached.
    await expect(stat(path.join(root, 'no-cache', 'enterprise-attack.json'))).rejects.toThrow();
  });

  it('with nothing local either: one clear error naming the domain and the folders searched', async () => {
    const env = {
      ATTACK_BASE_URL: await deadUrl(),
      ATTACK_CACHE_DIR: path.join(root, 'no-cache'),
      ATTACK_DATA_DIR: path.join(root, 'empty'),
    };
    const { code, stderr } = await importWith(env, 'attack:ics');
    expect(code).toBe(1);
    const errors = stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(
      `no local bundle of ics-attack (ics-attack-<version>.json) is in ${path.join(root, 'no-cache')} and ${path.join(root, 'empty')}`,
    );
  });
});

describe('newestLocalBundle', () => {
  it('orders releases by number, and finds a given release or none', async () => {
    const data = path.join(root, 'data');
    expect(await newestLocalBundle(data, 'enterprise-attack', null)).toBe(
      path.join(data, 'enterprise-attack-10.0.json'),
    );
    expect(await newestLocalBundle(data, 'enterprise-attack', '9.1')).toBe(
      path.join(data, 'enterprise-attack-9.1.json'),
    );
    expect(await newestLocalBundle(data, 'enterprise-attack', '3.0')).toBeNull();
    expect(await newestLocalBundle(data, 'ics-attack', null)).toBeNull();
    expect(await newestLocalBundle(path.join(root, 'missing'), 'ics-attack', null)).toBeNull();
  });
});

describe('npm start offline', () => {
  it('imports the highest local release into an empty graph, logs which file, and serves it', async () => {
    await db.reset();
    const api = await startApi({
      API_WORKERS: '1',
      LOG_LEVEL: 'info',
      ATTACK_SOURCES: 'attack:enterprise',
      ATTACK_BASE_URL: await deadUrl(),
      ATTACK_CACHE_DIR: path.join(root, 'no-cache'),
      ATTACK_DATA_DIR: path.join(root, 'data'),
    });
    try {
      const lines = api
        .stdout()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { msg: string; source?: string });
      const chosen = path.join(root, 'data', 'enterprise-attack-10.0.json');
      expect(lines).toContainEqual(
        expect.objectContaining({
          source: 'attack:enterprise',
          msg: expect.stringMatching(
            new RegExp(`^cannot fetch .*; read the local bundle ${chosen.replaceAll('.', '\\.')} instead`),
          ),
        }),
      );
      const answer = await fetch(api.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ query: '{ technique(attackId: "T1003") { attackId } }' }),
      });
      expect(await answer.json()).toMatchObject({ data: { technique: { attackId: 'T1003' } } });
    } finally {
      await api.stop();
    }
  });
});
