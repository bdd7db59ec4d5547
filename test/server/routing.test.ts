import { describe, expect, it } from 'vitest';
import { type Served, serve, useMiniDb } from '../helpers/server.ts';

/**
 * Replays issue 16's probe: Yoga served GraphQL on any path ending in /graphql (`/x/graphql`,
 * `/graphql/`, `//graphql`, `/?a=/graphql`) while the guards compared the path exactly, so those
 * paths skipped the API key, the rate limit and CSRF prevention. The rule now (src/http/routes.ts):
 * only the exact documented paths are routes; everything else is 404 NOT_FOUND before anything runs.
 */

const mini = useMiniDb();

const KEY = 'routing-key-0123456789abcdef';
const BODY = JSON.stringify({ query: '{ status { objectCount } }' });

/** Each documented route, its path as written, and the path with its first letter percent-encoded. */
const ROUTES = [
  { path: '/graphql', encoded: '/%67raphql', cased: '/GraphQL' },
  { path: '/health', encoded: '/%68ealth', cased: '/Health' },
  { path: '/ready', encoded: '/%72eady', cased: '/READY' },
  { path: '/metrics', encoded: '/%6Detrics', cased: '/Metrics' },
  {
    path: '/layers/groups/G0001.json',
    encoded: '/%6Cayers/groups/G0001.json',
    cased: '/Layers/groups/G0001.json',
  },
  { path: '/layers/migrate', encoded: '/layers/%6Digrate', cased: '/layers/Migrate' },
];

/** Paths that look like a route but are not one. */
function lookalikes({ path, encoded, cased }: (typeof ROUTES)[number]): string[] {
  return [
    `${path}/`, // trailing slash
    `/${path}`, // repeated slashes
    `//${path}`,
    `/x${path}`, // a prefix
    `/api/v1${path}`,
    `/?a=${path}`, // the route only in the query string
    `/x?next=${path}`,
    encoded, // percent-encoding
    `/%2F${path.slice(1)}`,
    cased, // case
    ...(path.startsWith('/layers/')
      ? [
          '/layers/',
          '/layers//groups/G0001.json',
          '/layers/%67roups/G0001.json',
          '/layers/groups/G0001.json/x',
        ]
      : []),
  ];
}

const METHODS = ['GET', 'POST', 'HEAD', 'OPTIONS'] as const;

function send(app: Served, method: string, path: string, headers: Record<string, string> = {}) {
  return app.yoga.fetch(`http://test${path}`, {
    method,
    headers: {
      accept: 'application/json',
      // Everything a guard could ask for, so only the path decides.
      'x-graphql-csrf': '1',
      ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(method === 'POST' || method === 'PUT' ? { body: BODY } : {}),
  });
}

async function metricsText(app: Served): Promise<string> {
  return app.metrics.registry.metrics();
}

describe('only the documented paths are routes', () => {
  for (const keys of [false, true]) {
    it(`every lookalike of every route answers 404 NOT_FOUND, whatever the method (${keys ? 'with' : 'without'} API keys)`, async () => {
      const app = serve(mini.db, {
        // The explorer owns `/` (so `/?a=/graphql` is its page): see the explorer test below.
        EXPLORER: 'false',
        APP_ENV: 'production',
        RATE_LIMIT_PER_MINUTE: '60',
        RATE_LIMIT_BURST: '5',
        ...(keys ? { API_KEYS: KEY } : {}),
      });
      let sent = 0;
      for (const route of ROUTES) {
        for (const path of lookalikes(route)) {
          for (const method of METHODS) {
            // With a valid key too: a lookalike is not a route for anyone.
            const variants: Record<string, string>[] = keys ? [{}, { authorization: `Bearer ${KEY}` }] : [{}];
            for (const headers of variants) {
              const what = `${method} ${path} ${JSON.stringify(headers)}`;
              const response = await send(app, method, path, headers);
              sent++;
              expect(response.status, what).toBe(404);
              if (method === 'HEAD') continue;
              expect(response.headers.get('content-type'), what).toMatch(/^application\/json/);
              const body = (await response.json()) as {
                errors: { message: string; extensions: { code: string } }[];
              };
              expect(body.errors[0]?.extensions.code, what).toBe('NOT_FOUND');
              expect(body.errors[0]?.message, what).toMatch(/No such path/);
            }
          }
        }
      }
      // Far past the burst of 5: none of these were served, so none were counted as served either.
      expect(sent).toBeGreaterThan(100);
      const text = await metricsText(app);
      expect(text).not.toMatch(/attack_graph_graphql_operations_total\{/);
      expect(text).not.toMatch(/attack_graph_neo4j_queries_total\{query="(?!http\.)/);
      expect(text).toMatch(
        new RegExp(`attack_graph_http_requests_total\\{route="other",status="404"\\} ${sent}`),
      );
      // The real route still works, and is still guarded.
      const real = await send(app, 'POST', '/graphql');
      expect(real.status).toBe(keys ? 401 : 200);
    });
  }
});

describe('the documented routes', () => {
  /** [method, path, status without keys, status with keys but without one]; a valid key gives the first. */
  const TABLE: [string, string, number, number][] = [
    ['GET', '/graphql?query=%7B__typename%7D', 200, 401],
    ['POST', '/graphql', 200, 401],
    ['HEAD', '/graphql', 405, 405],
    ['OPTIONS', '/graphql', 405, 405],
    ['PUT', '/graphql', 405, 405],
    ['GET', '/health', 200, 200],
    ['HEAD', '/health', 200, 200],
    ['POST', '/health', 405, 405],
    ['OPTIONS', '/health', 405, 405],
    ['GET', '/ready', 200, 200],
    ['HEAD', '/ready', 200, 200],
    ['POST', '/ready', 405, 405],
    ['GET', '/metrics', 200, 401],
    ['HEAD', '/metrics', 200, 401],
    ['POST', '/metrics', 405, 405],
    ['GET', '/layers/groups/G0001.json', 200, 401],
    ['HEAD', '/layers/groups/G0001.json', 200, 401],
    ['OPTIONS', '/layers/groups/G0001.json', 204, 204],
    ['POST', '/layers/groups/G0001.json', 405, 405],
    // The upload: its body here is no layer (400); it takes POST only.
    ['POST', '/layers/migrate', 400, 401],
    ['GET', '/layers/migrate', 405, 405],
    ['OPTIONS', '/layers/migrate', 204, 204],
    // The Sigma rule upload: its body here is JSON, not YAML (415); it takes POST only.
    ['POST', '/layers/coverage-rules.json', 415, 401],
    ['GET', '/layers/coverage-rules.json', 405, 405],
    ['OPTIONS', '/layers/coverage-rules.json', 204, 204],
    // The control downloads: nothing is imported in this graph (404), behind the same keys.
    ['GET', '/controls/nist_800_53/AC-2.json', 404, 401],
    ['GET', '/controls/nist_800_53.csv', 404, 401],
    ['OPTIONS', '/controls/nist_800_53.csv', 204, 204],
    ['POST', '/controls/nist_800_53.csv', 405, 405],
    // The emulation plan's layer: a layer download like the others.
    ['GET', '/layers/emulation-plans/groups/G0001.json', 200, 401],
    // The query string is the route's own business: it never changes the route.
    ['GET', '/graphql?query=%7B__typename%7D&a=/health', 200, 401],
    ['GET', '/health?a=/graphql', 200, 200],
    ['GET', '/ready?a=/health', 200, 200],
    ['GET', '/metrics?a=/health', 200, 401],
  ];

  for (const keys of [false, true]) {
    it(`answer by method and key (${keys ? 'with' : 'without'} API keys)`, async () => {
      const app = serve(mini.db, keys ? { API_KEYS: KEY } : {});
      for (const [method, path, open, guarded] of TABLE) {
        const anonymous = await send(app, method, path);
        expect(anonymous.status, `${method} ${path}`).toBe(keys ? guarded : open);
        if (anonymous.status === 405)
          expect(anonymous.headers.get('allow'), `${method} ${path}`).toBeTruthy();
        if (keys) {
          const keyed = await send(app, method, path, { authorization: `Bearer ${KEY}` });
          expect(keyed.status, `${method} ${path} with a key`).toBe(open);
        }
      }
    });
  }

  it('a query string does not pick another route: /ready?a=/health is readiness, /metrics?a=/graphql is metrics', async () => {
    const app = serve(mini.db, { GRAPHIQL: 'true' });
    // Health and readiness both answer 200 with no body; only readiness asks Neo4j.
    expect((await app.get('/ready?a=/health')).status).toBe(200);
    expect(await metricsText(app)).toMatch(
      /attack_graph_neo4j_queries_total\{query="http\.ready",outcome="[a-z]+"\} 1/,
    );
    const metrics = await app.get('/metrics?a=/graphql', { accept: 'text/html' });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^# HELP/);
    const data = await app.get('/graphql?query=%7B__typename%7D&a=/health', { 'x-graphql-csrf': '1' });
    expect(await data.json()).toMatchObject({ data: { __typename: 'Query' } });
  });

  it('GraphiQL renders on /graphql only', async () => {
    const app = serve(mini.db, { GRAPHIQL: 'true' });
    const page = await app.get('/graphql', { accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    for (const path of ['/x/graphql', '/graphql/', '/%67raphql']) {
      expect((await app.get(path, { accept: 'text/html' })).status, path).toBe(404);
    }
    // `/` is the explorer's page, whatever the query string says: never GraphiQL, never GraphQL.
    const root = await app.get('/?a=/graphql', { accept: 'text/html' });
    expect([200, 404]).toContain(root.status);
    expect(await root.text()).not.toMatch(/YogaGraphiQL|"data"/);
    expect((await app.post(BODY, {})).status).toBe(200);
    const posted = await app.yoga.fetch('http://test/?a=/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: BODY,
    });
    expect(posted.status).toBe(405);
  });

  it("the explorer's pages and assets are routes of their own; lookalikes are not", async () => {
    const app = serve(mini.db, { API_KEYS: KEY });
    for (const path of [
      '/matrix/',
      '/techniques/T1003/x',
      '/groups/G0016/',
      '/assets/../index.html',
      '/Matrix',
    ]) {
      expect((await app.get(path, { accept: 'text/html' })).status, path).toBe(404);
    }
    // Its files need no key (they hold no data); with the explorer off, its paths are not routes.
    const off = serve(mini.db, { API_KEYS: KEY, EXPLORER: 'false' });
    for (const path of ['/', '/matrix', '/groups/G0016', '/techniques/T1003.001']) {
      expect((await app.get(path, { accept: 'text/html' })).status, path).not.toBe(401);
      expect((await off.get(path, { accept: 'text/html' })).status, path).toBe(404);
    }
  });

  it('with CORS_ORIGINS set, preflights are answered on routes only', async () => {
    const origin = 'https://frontend.example';
    const app = serve(mini.db, { CORS_ORIGINS: origin, API_KEYS: KEY });
    const preflight = (path: string) =>
      app.yoga.fetch(`http://test${path}`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const ok = await preflight('/graphql');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(origin);
    for (const path of ['/x/graphql', '/graphql/', '/nothing']) {
      expect((await preflight(path)).status, path).toBe(404);
    }
  });

  it('with METRICS=false, /metrics is not a route', async () => {
    const app = serve(mini.db, { METRICS: 'false' });
    const response = await app.get('/metrics');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'NOT_FOUND' } }] });
  });

  it('the rate limit counts /graphql whatever its query string', async () => {
    const app = serve(mini.db, { API_KEYS: KEY, RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '2' });
    const statuses = [];
    for (const path of ['/graphql', '/graphql?a=/x', '/graphql?a=/graphql']) {
      statuses.push((await send(app, 'POST', path)).status);
    }
    expect(statuses).toEqual([401, 401, 429]);
  });
});
