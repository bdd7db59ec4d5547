import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importSource } from '../../import/index.ts';
import { MINI_ENTERPRISE } from '../helpers/paths.ts';
import { getUrl, serve, useMiniDb, writeFixtureB } from '../helpers/server.ts';

const mini = useMiniDb();

const COUNT = '{ techniques { totalCount } }';
type Body = { data?: { techniques?: { totalCount: number } }; extensions?: { dbRoundTrips?: number } };
const csrf = { 'x-graphql-csrf': '1' };

/**
 * Waits until the app has read the data version (the first request starts that read): until then
 * every request bypasses the cache. On a busy machine that read takes more than a moment.
 */
async function warm(app: ReturnType<typeof serve>) {
  for (let tries = 0; tries < 100; tries++) {
    // A GET's answer carries an ETag once the version is known (with the cache on or off).
    const response = await app.get(getUrl('{ __typename }'), csrf);
    if (response.headers.get('etag')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the app never read the data version');
}

describe('response cache', () => {
  it('answers a repeated operation from memory, until an import changes the data version', async () => {
    const app = serve(mini.db, { RESPONSE_CACHE_TTL_MS: '60000', DATA_VERSION_CHECK_MS: '100' });
    await warm(app);
    const first = (await (await app.post({ query: COUNT })).json()) as Body;
    expect(first.extensions?.dbRoundTrips).toBe(1);
    const second = (await (await app.post({ query: COUNT })).json()) as Body;
    expect(second.data).toEqual(first.data);
    expect(second.extensions?.dbRoundTrips).toBe(0);
    // Other variables or another operation are other entries.
    const other = (await (await app.post({ query: '{ groups { totalCount } }' })).json()) as Body;
    expect(other.extensions?.dbRoundTrips).toBe(1);

    await importSource(mini.db.executor, await writeFixtureB());
    await new Promise((r) => setTimeout(r, 150));
    await app.post({ query: '{ __typename }' }); // starts the version check
    await new Promise((r) => setTimeout(r, 200));
    const after = (await (await app.post({ query: COUNT })).json()) as Body;
    expect(after.extensions?.dbRoundTrips).toBe(1);
    expect(after.data?.techniques?.totalCount).toBe((first.data?.techniques?.totalCount ?? 0) + 1);

    const metrics = await (await app.get('/metrics')).text();
    expect(metrics).toMatch(/attack_graph_response_cache_total\{outcome="hit"\} [1-9]/);
    expect(metrics).toMatch(/attack_graph_response_cache_total\{outcome="miss"\} [1-9]/);
    await importSource(mini.db.executor, MINI_ENTERPRISE);
  });

  it('never caches answers with errors', async () => {
    const app = serve(mini.db, { RESPONSE_CACHE_TTL_MS: '60000' });
    await warm(app);
    const bad = '{ techniques(first: -1) { totalCount } }';
    await app.post({ query: bad });
    const again = (await (await app.post({ query: bad })).json()) as Body & { errors?: unknown[] };
    expect(again.errors?.length).toBeGreaterThan(0);
    expect(app.logs().filter((l) => l.cache === 'hit')).toHaveLength(0);
  });
});

describe('response cache byte budget', () => {
  it('never holds more than RESPONSE_CACHE_MAX_BYTES, however many distinct operation names arrive', async () => {
    const maxBytes = 2_048;
    const app = serve(mini.db, {
      RESPONSE_CACHE_TTL_MS: '60000',
      RESPONSE_CACHE_MAX_BYTES: String(maxBytes),
    });
    await warm(app);
    const cachedBytes = async () => {
      const text = await app.metrics.registry.getSingleMetricAsString('attack_graph_response_cache_bytes');
      return Number(/attack_graph_response_cache_bytes (\d+)$/m.exec(text)?.[1]);
    };
    // Each name is another cache key: the probe filled memory this way.
    const op = (i: number) => ({
      query: `query Fill${i} { techniques { totalCount } }`,
      operationName: `Fill${i}`,
    });
    const names = 40;
    let most = 0;
    for (let i = 0; i < names; i++) {
      const body = (await (await app.post(op(i))).json()) as Body;
      expect(body.data?.techniques?.totalCount).toBeGreaterThan(0);
      const bytes = await cachedBytes();
      expect(bytes).toBeLessThanOrEqual(maxBytes);
      most = Math.max(most, bytes);
    }
    // It did cache (this is a budget, not a cache turned off) ...
    expect(most).toBeGreaterThan(maxBytes / 2);
    // ... the latest answers are hits, and the first ones were evicted: they go to the database.
    const latest = (await (await app.post(op(names - 1))).json()) as Body;
    expect(latest.extensions?.dbRoundTrips).toBe(0);
    const first = (await (await app.post(op(0))).json()) as Body;
    expect(first.extensions?.dbRoundTrips).toBe(1);
    expect(first.data).toEqual(latest.data);
    expect(await cachedBytes()).toBeLessThanOrEqual(maxBytes);
  });
});

describe('ETag and conditional GET', () => {
  it('gives successful GETs an ETag and Cache-Control, and answers 304 to If-None-Match', async () => {
    const app = serve(mini.db, { CACHE_MAX_AGE_S: '120' });
    await warm(app);
    const url = getUrl('query Count($first: Int) { techniques(first: $first) { totalCount } }', { first: 5 });
    const first = await app.get(url, csrf);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('cache-control')).toBe('public, max-age=120');
    const again = await app.get(url, { ...csrf, 'if-none-match': etag ?? '' });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
    // Other variables: another ETag, so no 304.
    const other = await app.get(url.replace('%3A5', '%3A6'), { ...csrf, 'if-none-match': etag ?? '' });
    expect(other.status).toBe(200);
    expect(other.headers.get('etag')).not.toBe(etag);
    // Errors are never cacheable.
    const failing = await app.get(getUrl('{ techniques(first: -1) { totalCount } }'), csrf);
    expect(failing.headers.get('etag')).toBeNull();
    expect(failing.headers.get('cache-control')).toBe('no-store');
  });

  it('marks responses private when API keys are configured', async () => {
    const key = 'cache-key-0123456789abcdef';
    const app = serve(mini.db, { API_KEYS: key });
    await app.post({ query: '{ __typename }' }, { authorization: `Bearer ${key}` });
    await new Promise((r) => setTimeout(r, 200));
    const response = await app.get(getUrl(COUNT), { authorization: `Bearer ${key}` });
    expect(response.headers.get('cache-control')).toMatch(/^private/);
  });
});

describe('persisted operations', () => {
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const pq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

  it('registers automatic persisted queries and serves them by hash, and checks the hash', async () => {
    const app = serve(mini.db);
    const unknown = (await (await app.post({ extensions: pq(sha(COUNT)) })).json()) as {
      errors?: { message: string }[];
    };
    expect(unknown.errors?.[0]?.message).toBe('PersistedQueryNotFound');
    const registered = (await (await app.post({ query: COUNT, extensions: pq(sha(COUNT)) })).json()) as Body;
    const byHash = (await (await app.post({ extensions: pq(sha(COUNT)) })).json()) as Body;
    expect(byHash.data).toEqual(registered.data);
    const mismatch = await app.post({ query: COUNT, extensions: pq(sha('{ other }')) });
    expect(mismatch.status).toBe(400);
    expect(await mismatch.json()).toMatchObject({
      errors: [{ extensions: { code: 'PERSISTED_QUERY_HASH_MISMATCH' } }],
    });
  });

  it('with PERSISTED_OPERATIONS_ONLY, accepts only the allow-list file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'attack-graph-pq-'));
    const file = path.join(dir, 'operations.json');
    await writeFile(file, JSON.stringify({ [sha(COUNT)]: COUNT }));
    const app = serve(mini.db, { PERSISTED_OPERATIONS_FILE: file, PERSISTED_OPERATIONS_ONLY: 'true' });
    const listed = (await (await app.post({ extensions: pq(sha(COUNT)) })).json()) as Body;
    expect(listed.data?.techniques?.totalCount).toBeGreaterThan(0);
    const arbitrary = (await (await app.post({ query: '{ groups { totalCount } }' })).json()) as {
      errors?: { extensions?: { code?: string } }[];
    };
    expect(arbitrary.errors?.[0]?.extensions?.code).toBe('CANNOT_SEND_PQ_ID_AND_BODY');
    const unlisted = (await (
      await app.post({ extensions: pq(sha('{ groups { totalCount } }')) })
    ).json()) as {
      errors?: { extensions?: { code?: string } }[];
    };
    expect(unlisted.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    await writeFile(file, JSON.stringify({ [sha('{ x }')]: COUNT }));
    expect(() => serve(mini.db, { PERSISTED_OPERATIONS_FILE: file })).toThrow(/not the sha256/);
  });
});
