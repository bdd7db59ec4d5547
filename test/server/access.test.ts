import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/env.ts';
import { createRateLimiter } from '../../src/http/rate-limit.ts';
import { serve, useMiniDb } from '../helpers/server.ts';

const mini = useMiniDb();

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';
const query = { query: '{ status { objectCount } }' };

describe('API keys', () => {
  it('when keys are configured, /graphql and /metrics need a valid Bearer key; /health and /ready do not', async () => {
    const app = serve(mini.db, { API_KEYS: `${KEY_A},${KEY_B}` });
    for (const [headers, message] of [
      [{}, /API key is required/],
      [{ authorization: 'Bearer wrong-key-0123456789' }, /not valid/],
      [{ authorization: `Basic ${KEY_A}` }, /not valid/],
      [{ authorization: `Bearer ${KEY_A}x` }, /not valid/],
    ] as const) {
      const response = await app.post(query, headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
      expect(body.errors[0]?.message).toMatch(message);
    }
    for (const key of [KEY_A, KEY_B]) {
      const ok = await app.post(query, { authorization: `Bearer ${key}` });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ data: { status: { objectCount: expect.any(Number) } } });
    }
    expect((await app.get('/metrics')).status).toBe(401);
    expect((await app.get('/metrics', { authorization: `Bearer ${KEY_A}` })).status).toBe(200);
    expect((await app.get('/health')).status).toBe(200);
    expect((await app.get('/ready')).status).toBe(200);
    // Keys never reach the logs, not even the wrong ones.
    expect(app.logText()).not.toContain(KEY_A);
    expect(app.logText()).not.toContain('wrong-key');
    const clients = app
      .logs()
      .filter((l) => l.msg === 'request' && l.status === 200)
      .map((l) => l.client);
    expect(clients).toEqual(expect.arrayContaining([expect.stringMatching(/^key:[0-9a-f]{12}$/)]));
  });

  it('reads keys from API_KEYS_FILE (one a line, # comments) and refuses short or unreadable ones', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'attack-graph-keys-'));
    const file = path.join(dir, 'keys');
    await writeFile(file, `# integration team\n${KEY_B}\n\n`);
    const app = serve(mini.db, { API_KEYS_FILE: file });
    expect((await app.post(query, { authorization: `Bearer ${KEY_B}` })).status).toBe(200);
    expect((await app.post(query, { authorization: `Bearer ${KEY_A}` })).status).toBe(401);
    expect(() => loadConfig({ API_KEYS: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ API_KEYS_FILE: path.join(dir, 'missing') })).toThrow(/API_KEYS_FILE/);
    try {
      loadConfig({ API_KEYS: 'short' });
    } catch (error) {
      expect((error as Error).message).not.toContain('short"');
    }
  });

  it('without keys the API is open', async () => {
    const app = serve(mini.db);
    expect((await app.post(query)).status).toBe(200);
  });
});

describe('rate limiting', () => {
  it('the token bucket refills at the per-minute rate and says when to retry', () => {
    let now = 0;
    const limiter = createRateLimiter({ perMinute: 60, burst: 2, now: () => now });
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take('b').ok).toBe(true);
    now += 1_000;
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
  });

  it('forgets idle clients when it tracks too many', () => {
    let now = 0;
    const limiter = createRateLimiter({ perMinute: 600, burst: 1, maxClients: 10, now: () => now });
    for (let i = 0; i < 10; i++) limiter.take(`c${i}`);
    now += 60_000;
    for (let i = 10; i < 100; i++) limiter.take(`c${i}`);
    expect(limiter.size).toBeLessThanOrEqual(11);
  });

  it('answers 429 RATE_LIMITED with Retry-After per client: API key, else address', async () => {
    const app = serve(mini.db, {
      RATE_LIMIT_PER_MINUTE: '6',
      RATE_LIMIT_BURST: '3',
      TRUST_PROXY_HOPS: '1',
    });
    const from = (ip: string) => ({ 'x-forwarded-for': `10.9.9.9, ${ip}` });
    for (let i = 0; i < 3; i++) expect((await app.post(query, from('192.0.2.1'))).status).toBe(200);
    const limited = await app.post(query, from('192.0.2.1'));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toMatchObject({ errors: [{ extensions: { code: 'RATE_LIMITED' } }] });
    // Another client (the proxy-appended address, not the spoofable first entry) has its own bucket.
    expect((await app.post(query, from('192.0.2.2'))).status).toBe(200);
    // Health and readiness are never limited.
    expect((await app.get('/ready')).status).toBe(200);
    const metrics = await (await app.get('/metrics')).text();
    expect(metrics).toMatch(/attack_graph_http_rejections_total\{reason="rate_limited"\} 1/);
  });
});
