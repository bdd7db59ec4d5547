import { GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/context.ts';
import { createLogger } from '../../src/logger.ts';
import { createExecutor, QueryTimeoutError } from '../../src/neo4j/executor.ts';
import { createApp } from '../../src/yoga.ts';
import { testConfig } from '../helpers/db.ts';
import { getUrl, serve, useMiniDb } from '../helpers/server.ts';

const mini = useMiniDb();

type Body = { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
const codes = (body: Body) => (body.errors ?? []).map((e) => e.extensions?.code);

/** `{ techniques { nodes { tactics { nodes { techniques { ... } } } } } }` nested `depth` connections deep. */
function nested(depth: number): string {
  let inner = 'name';
  for (let i = 0; i < depth; i++) inner = `${i % 2 ? 'tactics' : 'techniques'} { nodes { ${inner} } }`;
  return `{ technique(attackId: "T1") { name ${inner.replace(/^techniques/, 'subtechniques')} } }`;
}

describe('query limits', () => {
  it('rejects a query nested deeper than MAX_DEPTH, with MAX_DEPTH_EXCEEDED, before Neo4j is asked', async () => {
    const app = serve(mini.db, { MAX_DEPTH: '6' });
    const response = await app.post({ query: nested(5) });
    const body = (await response.json()) as Body & { extensions?: { dbRoundTrips?: number } };
    expect(codes(body)).toEqual(['MAX_DEPTH_EXCEEDED']);
    expect(body.errors?.[0]?.message).toMatch(/depth limit of 6/);
    expect(body.extensions?.dbRoundTrips).toBe(0);
    const shallow = (await (await app.post({ query: nested(1) })).json()) as Body;
    expect(codes(shallow).filter((c) => c === 'MAX_DEPTH_EXCEEDED')).toEqual([]);
  });

  it('rejects alias bombs with MAX_ALIASES_EXCEEDED', async () => {
    const app = serve(mini.db, { MAX_ALIASES: '5' });
    const aliases = Array.from({ length: 6 }, (_, i) => `a${i}: status { objectCount }`).join(' ');
    expect(codes((await (await app.post({ query: `{ ${aliases} }` })).json()) as Body)).toEqual([
      'MAX_ALIASES_EXCEEDED',
    ]);
  });

  it('costs a query by the objects it could return, page sizes from literals, variables or the default', async () => {
    const app = serve(mini.db, { MAX_COST: '10000' });
    const query =
      'query($n: Int) { techniques(first: $n) { nodes { name tactics(first: $n) { nodes { name } } } } }';
    // 1 + n * (1 + 1 + n * 1) objects: 10 -> 121, 100 -> 10201.
    const small = (await (await app.post({ query, variables: { n: 10 } })).json()) as Body;
    expect(small.errors).toBeUndefined();
    const large = (await (await app.post({ query, variables: { n: 100 } })).json()) as Body & {
      extensions?: { dbRoundTrips?: number };
    };
    expect(codes(large)).toEqual(['MAX_COST_EXCEEDED']);
    expect(large.errors?.[0]?.message).toMatch(/up to 10201 objects; the limit is 10000/);
    expect(large.extensions?.dbRoundTrips).toBe(0);
    // Without first, a page is 100 items: the same cost as n = 100.
    const defaults = (await (
      await app.post({ query: query.replace(/\(first: \$n\)|\(\$n: Int\)/g, '') })
    ).json()) as Body;
    expect(codes(defaults)).toEqual(['MAX_COST_EXCEEDED']);
  });

  it('refuses fragment bombs quickly, with a code', async () => {
    const app = serve(mini.db);
    const levels = 40;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i + 1 < levels
        ? `fragment F${i} on Technique { subtechniques { nodes { ...F${i + 1} ...F${i + 1} } } }`
        : `fragment F${i} on Technique { name }`,
    );
    const started = Date.now();
    const response = await app.post({ query: `{ techniques { nodes { ...F0 } } } ${fragments.join(' ')}` });
    expect(response.status).toBeLessThan(500);
    const body = (await response.json()) as Body;
    expect(body.data ?? null).toBeNull();
    expect(codes(body).length).toBeGreaterThan(0);
    expect(codes(body).every((c) => typeof c === 'string' && c.endsWith('_EXCEEDED'))).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('rejects directive floods (MAX_DIRECTIVES_EXCEEDED) and token floods (MAX_TOKENS_EXCEEDED)', async () => {
    const app = serve(mini.db, { MAX_DIRECTIVES: '3', MAX_TOKENS: '50' });
    const directives =
      '{ status @include(if: true) @include(if: true) @include(if: true) @include(if: true) { objectCount } }';
    expect(codes((await (await app.post({ query: directives })).json()) as Body)).toEqual([
      'MAX_DIRECTIVES_EXCEEDED',
    ]);
    const tokens = `{ ${'__typename '.repeat(60)} }`;
    expect(codes((await (await app.post({ query: tokens })).json()) as Body)).toEqual([
      'MAX_TOKENS_EXCEEDED',
    ]);
  });

  it('refuses bodies over MAX_BODY_BYTES with 413, and batches unless HTTP_BATCH_LIMIT allows them', async () => {
    const app = serve(mini.db, { MAX_BODY_BYTES: '2048' });
    const big = await app.post({ query: `{ status { objectCount } } # ${'x'.repeat(4000)}` });
    expect(big.status).toBe(413);
    expect(codes((await big.json()) as Body)).toEqual(['REQUEST_ENTITY_TOO_LARGE']);
    const batch = [{ query: '{ a: __typename }' }, { query: '{ b: __typename }' }];
    const refused = await app.post(batch);
    expect(refused.status).toBe(400);
    expect(codes((await refused.json()) as Body)).toEqual(['BAD_REQUEST']);
    const batching = serve(mini.db, { HTTP_BATCH_LIMIT: '2' });
    const answered = (await (await batching.post(batch)).json()) as Body[];
    expect(answered.map((r) => r.data)).toEqual([{ a: 'Query' }, { b: 'Query' }]);
  });

  it('bounds `first`: 100000000 is refused by the cost limit, or by the page-size check (BAD_USER_INPUT)', async () => {
    const app = serve(mini.db);
    const costly = (await (
      await app.post({ query: '{ techniques(first: 100000000) { nodes { name } } }' })
    ).json()) as Body;
    expect(codes(costly)).toEqual(['MAX_COST_EXCEEDED']);
    const cheap = (await (
      await app.post({ query: '{ techniques(first: 100000000) { totalCount } }' })
    ).json()) as Body;
    expect(codes(cheap)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('profiles', () => {
  it('development: GraphiQL, introspection and field suggestions on', async () => {
    const app = serve(mini.db, { APP_ENV: 'development' });
    expect((await app.get('/graphql', { accept: 'text/html' })).status).toBe(200);
    const intro = (await (await app.post({ query: '{ __schema { queryType { name } } }' })).json()) as Body;
    expect(intro.errors).toBeUndefined();
    const typo = (await (await app.post({ query: '{ techniqe(attackId: "T1") { name } }' })).json()) as Body;
    expect(typo.errors?.[0]?.message).toMatch(/Did you mean/);
  });

  it('production: GraphiQL, introspection and field suggestions off unless asked for', async () => {
    const app = serve(mini.db, { NODE_ENV: 'production' });
    const page = await app.get('/graphql', { accept: 'text/html' });
    expect(page.headers.get('content-type') ?? '').not.toContain('text/html');
    const intro = (await (await app.post({ query: '{ __schema { queryType { name } } }' })).json()) as Body;
    expect(codes(intro)).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(intro.errors?.[0]?.message).toMatch(/introspection has been disabled/);
    const typo = (await (await app.post({ query: '{ techniqe(attackId: "T1") { name } }' })).json()) as Body;
    expect(codes(typo)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(JSON.stringify(typo)).not.toMatch(/Did you mean|technique\b/);

    const opened = serve(mini.db, { APP_ENV: 'production', GRAPHIQL: 'true', INTROSPECTION: 'true' });
    expect((await opened.get('/graphql', { accept: 'text/html' })).headers.get('content-type')).toContain(
      'text/html',
    );
    expect(
      ((await (await opened.post({ query: '{ __schema { queryType { name } } }' })).json()) as Body).errors,
    ).toBeUndefined();
  });
});

describe('CSRF prevention and CORS', () => {
  it('refuses non-JSON POSTs (415) and GET queries without a preflight header (400 CSRF_PREVENTION)', async () => {
    const app = serve(mini.db);
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/graphql',
    ]) {
      const response = await app.post('query={__typename}', { 'content-type': type });
      expect(response.status, type).toBe(415);
      expect(codes((await response.json()) as Body)).toEqual(['UNSUPPORTED_MEDIA_TYPE']);
    }
    const bare = await app.get(getUrl('{ __typename }'));
    expect(bare.status).toBe(400);
    expect(codes((await bare.json()) as Body)).toEqual(['CSRF_PREVENTION']);
    const marked = await app.get(getUrl('{ __typename }'), { 'x-graphql-csrf': '1' });
    expect(marked.status).toBe(200);
    expect(await marked.json()).toMatchObject({ data: { __typename: 'Query' } });
    const off = serve(mini.db, { CSRF_PREVENTION: 'false' });
    expect((await off.get(getUrl('{ __typename }'))).status).toBe(200);
  });

  it('sends no CORS headers unless CORS_ORIGINS names the origin', async () => {
    const origin = 'https://frontend.example';
    const closed = serve(mini.db);
    const a = await closed.post({ query: '{ __typename }' }, { origin });
    expect(a.headers.get('access-control-allow-origin')).toBeNull();
    const open = serve(mini.db, { CORS_ORIGINS: `${origin},https://other.example` });
    const b = await open.post({ query: '{ __typename }' }, { origin });
    expect(b.headers.get('access-control-allow-origin')).toBe(origin);
    const c = await open.post({ query: '{ __typename }' }, { origin: 'https://evil.example' });
    expect(c.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
  });
});

describe('time limit', () => {
  it('the executor passes its limit to Neo4j, which aborts a slow query: QueryTimeoutError', async () => {
    const executor = createExecutor(mini.db.driver, {
      database: mini.db.config.neo4j.database,
      timeoutMs: 300,
    });
    const started = Date.now();
    await expect(
      executor.read({ name: 'test.slow', cypher: 'UNWIND range(1, 500000000) AS x RETURN sum(x) AS s' }),
    ).rejects.toBeInstanceOf(QueryTimeoutError);
    expect(Date.now() - started).toBeLessThan(10_000);
    // The connection went back to the pool: the next query answers.
    expect(await executor.read({ name: 'test.one', cypher: 'RETURN 1 AS one' })).toEqual([{ one: 1 }]);
  });

  it('a request over REQUEST_TIMEOUT_MS answers TIMEOUT, and its later reads never start', async () => {
    let reads = 0;
    const slow = new GraphQLSchema({
      query: new GraphQLObjectType<unknown, Context>({
        name: 'Query',
        fields: {
          slow: {
            type: GraphQLString,
            resolve: async (_, __, ctx) => {
              reads++;
              await ctx.db.read({
                name: 'test.slow',
                cypher: 'UNWIND range(1, 500000000) AS x RETURN sum(x) AS s',
              });
              reads++;
              await ctx.db.read({ name: 'test.one', cypher: 'RETURN 1 AS one' });
              return 'done';
            },
          },
        },
      }),
    });
    const config = testConfig({ REQUEST_TIMEOUT_MS: '400', CONSISTENT_READS: 'false' });
    const executor = createExecutor(mini.db.driver, { database: config.neo4j.database, timeoutMs: 400 });
    const yoga = createApp({ config, executor, logger: createLogger('silent'), schema: slow });
    const response = await yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ slow }' }),
    });
    const body = (await response.json()) as Body;
    expect(response.status).toBe(200);
    expect(codes(body)).toEqual(['TIMEOUT']);
    expect(body.errors?.[0]?.message).toMatch(/400 ms/);
    expect(reads).toBe(1);
  });
});
