import { describe, expect, it } from 'vitest';
import { serve, useMiniDb } from '../helpers/server.ts';

const mini = useMiniDb();

describe('request ids and logs', () => {
  it('echoes a plain client X-Request-Id, replaces a hostile one, and puts it on every line of the request', async () => {
    const app = serve(mini.db);
    const mine = await app.post({ query: '{ status { objectCount } }' }, { 'x-request-id': 'client-req-42' });
    expect(mine.headers.get('x-request-id')).toBe('client-req-42');
    const hostile = await app.post({ query: '{ __typename }' }, { 'x-request-id': 'a b\n{"level":60}' });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const generated = await app.get('/health');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const lines = app.logs().filter((l) => l.reqId === 'client-req-42');
    expect(lines.length).toBeGreaterThan(1);
    const access = lines.find((l) => l.msg === 'request');
    expect(access).toMatchObject({ method: 'POST', route: '/graphql', status: 200, outcome: 'ok' });
    // Every line written while a request ran names one.
    const during = app.logs().filter((l) => l.msg !== 'request' && typeof l.level === 'number');
    expect(during.every((l) => typeof l.reqId === 'string')).toBe(true);
  });

  it('logs operation names but never variables or headers', async () => {
    const app = serve(mini.db);
    const secret = 'variable-secret-value-123';
    await app.post(
      { query: 'query Lookup($id: String) { technique(attackId: $id) { name } }', variables: { id: secret } },
      { authorization: 'Bearer header-secret-value-456' },
    );
    expect(app.logs().find((l) => l.msg === 'request' && l.route === '/graphql')).toMatchObject({
      operation: 'Lookup',
    });
    expect(app.logText()).not.toContain(secret);
    expect(app.logText()).not.toContain('header-secret');
  });
});

describe('/metrics', () => {
  it('serves Prometheus text: requests by operation and outcome, latency, Neo4j queries, pool, cache', async () => {
    const app = serve(mini.db);
    await app.post({ query: 'query Techniques { techniques { totalCount } }' });
    await app.post({ query: 'query Broken { noSuchField }' });
    await app.post({ query: '{ status { objectCount } }' });
    // The data version is refreshed in the background (a request may start it), so its read can
    // still be running when the answers are in: the gauge must settle back to 0 (only /graphql
    // requests start that read, so reading /metrics does not).
    const metricsText = async () => (await app.get('/metrics')).text();
    await expect.poll(metricsText, { timeout: 1_000, interval: 20 }).toMatch(/queries_in_flight 0\n/);
    const response = await app.get('/metrics');
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text).toMatch(/attack_graph_graphql_operations_total\{operation="Techniques",outcome="ok"\} 1/);
    expect(text).toMatch(/attack_graph_graphql_operations_total\{operation="Broken",outcome="rejected"\} 1/);
    expect(text).toMatch(/attack_graph_graphql_operations_total\{operation="anonymous",outcome="ok"\} 1/);
    expect(text).toMatch(
      /attack_graph_graphql_operation_duration_seconds_bucket\{le="[\d.]+",operation="Techniques"\}/,
    );
    expect(text).toMatch(/attack_graph_neo4j_queries_total\{query="[\w.]+",outcome="ok"\} \d+/);
    expect(text).toMatch(/attack_graph_neo4j_query_duration_seconds_count\{query="status.summary"\} 1/);
    expect(text).toMatch(/attack_graph_neo4j_queries_in_flight 0\n/);
    expect(text).toMatch(/attack_graph_neo4j_pool_max_connections 7/);
    expect(text).toMatch(/attack_graph_response_cache_total\{outcome="\w+"\}/);
    expect(text).toMatch(/attack_graph_http_requests_total\{route="\/graphql",status="200"\} 3/);
  });

  it('is off with METRICS=false', async () => {
    const app = serve(mini.db, { METRICS: 'false' });
    expect((await app.get('/metrics')).status).toBe(404);
  });
});
