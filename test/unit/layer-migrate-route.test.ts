/**
 * The layer upload's HTTP side (src/http/layer-migrate.ts): what it accepts before any GraphQL runs,
 * and how it passes the query parameters on. The migration itself runs against a real Neo4j in
 * test/releases/api-fixtures.test.ts; here `execute` only records what it was asked.
 */
import { describe, expect, it } from 'vitest';
import type { GraphQLResult } from '../../src/http/layer-downloads.ts';
import { handleLayerMigrate, LAYER_MIGRATE_PATH } from '../../src/http/layer-migrate.ts';
import { routeForPath } from '../../src/http/routes.ts';

const LAYER = {
  name: 'x',
  versions: { layer: '4.5', attack: '18' },
  domain: 'enterprise-attack',
  techniques: [],
};

function recorder(
  answer: GraphQLResult = { data: { result: { layer: { name: 'migrated' }, from: '18.0', to: '19.0' } } },
) {
  const calls: Record<string, unknown>[] = [];
  const execute = async (_query: string, variables: Record<string, unknown>) => {
    calls.push(variables);
    return answer;
  };
  return { calls, execute };
}

const post = (query: string, body: string, headers: Record<string, string> = {}) =>
  new Request(`http://test${LAYER_MIGRATE_PATH}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

const run = (request: Request, r = recorder(), maxBytes = 10_000) =>
  handleLayerMigrate(request, r.execute, { maxBytes });

describe('POST /layers/migrate', () => {
  it('is its own route, at its exact path only', () => {
    expect(routeForPath('/layers/migrate')).toBe('migrate');
    for (const p of ['/layers/migrate/', '/layers/Migrate', '/layers/migrate.json'])
      expect(routeForPath(p)).toBeNull();
  });

  it('leaves other paths to the downloads', async () => {
    expect(await run(new Request('http://test/layers/coverage.json?detected=T1003'))).toBeNull();
  });

  it('passes domain, from and to on, with the parsed layer, and answers the migrated layer', async () => {
    const r = recorder();
    const response = await run(post('?domain=enterprise&from=18.0&to=19.0', JSON.stringify(LAYER)), r);
    expect(response?.status).toBe(200);
    expect(await response?.json()).toEqual({ name: 'migrated' });
    expect(response?.headers.get('x-migrated-to')).toBe('19.0');
    expect(r.calls).toEqual([{ layer: LAYER, domain: 'ENTERPRISE', from: '18.0', to: '19.0' }]);
  });

  it('refuses another method, another media type, a bad domain, a body over the limit and non-JSON, before any query', async () => {
    const r = recorder();
    const cases: [Request, number, RegExp][] = [
      [new Request(`http://test${LAYER_MIGRATE_PATH}`), 405, /POST the layer file/],
      [post('', JSON.stringify(LAYER), { 'content-type': 'text/plain' }), 415, /application\/json/],
      [post('?domain=pre-attack', JSON.stringify(LAYER)), 400, /domain: expected enterprise-attack/],
      [
        post('', JSON.stringify({ ...LAYER, description: 'x'.repeat(20_000) })),
        413,
        /larger than 10000 bytes/,
      ],
      [post('', '{"name": "half a layer'), 400, /^layer: not JSON/],
    ];
    for (const [request, status, message] of cases) {
      const response = await run(request, r);
      expect(response?.status).toBe(status);
      expect(((await response?.json()) as { error?: string } | undefined)?.error).toMatch(message);
    }
    expect(r.calls).toEqual([]);
  });

  it('stops reading a body without a length once it passes the limit', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(4_000));
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(chunk);
      },
    });
    const request = new Request(`http://test${LAYER_MIGRATE_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect((await run(request))?.status).toBe(413);
    expect(pulled).toBeLessThan(10);
  });

  it("passes the API's errors on with their code: the caller's input is 400", async () => {
    const error = {
      message:
        'from: release "9.9" of enterprise-attack is not imported (imported for enterprise-attack: 18.0, 19.0)',
      extensions: { code: 'UNKNOWN_RELEASE', releases: ['18.0', '19.0'] },
    };
    const response = await run(post('?from=9.9', JSON.stringify(LAYER)), recorder({ errors: [error] }));
    expect(response?.status).toBe(400);
    expect(await response?.json()).toEqual({
      error: error.message,
      code: 'UNKNOWN_RELEASE',
      releases: ['18.0', '19.0'],
    });
  });
});
