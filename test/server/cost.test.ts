import { getNamedType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DATA_VERSION } from '../../src/data/graph-state.ts';
import { createExecutor, type Executor } from '../../src/neo4j/executor.ts';
import { schema } from '../../src/schema/index.ts';
import { MAX_NODE_IDS } from '../../src/schema/list-bounds.ts';
import { testConfig } from '../helpers/db.ts';
import { errorCodes, type GqlBody, serve, useMiniDb } from '../helpers/server.ts';

const mini = useMiniDb();

/**
 * The production profile over the mini graph, with an executor that counts every read it is asked
 * for (the app reads through its own per-request view of it, so every read passes here).
 */
function production(env: Record<string, string> = {}) {
  const config = testConfig(env);
  const real = createExecutor(mini.db.driver, {
    database: config.neo4j.database,
    timeoutMs: config.http.requestTimeoutMs,
  });
  const counter = { reads: 0 };
  // The data version is read by the app itself (cache keys), not by requests.
  const count = (name: string) => {
    if (name !== DATA_VERSION.name) counter.reads++;
  };
  const counting: Executor = {
    ...real,
    read: (query, params, options) => {
      count(query.name);
      return real.read(query, params, options);
    },
    readBatch: (reads, options) => {
      for (const r of reads) count(r.query.name);
      return real.readBatch(reads, options);
    },
  };
  const app = serve(mini.db, { APP_ENV: 'production', ...env }, counting);
  return { app, counter };
}
describe('the probe queries are refused before any Neo4j read', () => {
  it('a plain-list nest (coverageGaps tactics > uncovered > groups) costs its real size: MAX_COST_EXCEEDED', async () => {
    const { app, counter } = production();
    const query = `{ coverageGaps(detected: ["T1"]) { tactics { tactic { name } uncovered {
      technique { name } groups { attackId name description references { url description } } } } } }`;
    const body = (await (await app.post({ query })).json()) as GqlBody;
    expect(errorCodes(body)).toEqual(['MAX_COST_EXCEEDED']);
    expect(body.extensions?.dbRoundTrips).toBe(0);
    expect(counter.reads).toBe(0);
  });

  it('costs variables by their defaults: `query($n: Int = 1000)` without `n` is costed with 1000', async () => {
    const { app, counter } = production();
    const query = `query($n: Int = 1000) { techniques(first: $n) { nodes { name
      groups(first: $n) { nodes { name techniques(first: $n) { nodes { name } } } } } } }`;
    const body = (await (await app.post({ query })).json()) as GqlBody;
    expect(errorCodes(body)).toEqual(['MAX_COST_EXCEEDED']);
    expect(body.errors?.[0]?.message).toMatch(/up to \d{10,} objects/);
    expect(body.extensions?.dbRoundTrips).toBe(0);
    expect(counter.reads).toBe(0);
    // The same shape with a small default runs.
    const small = (await (await app.post({ query: query.replace('= 1000', '= 2') })).json()) as GqlBody;
    expect(small.errors).toBeUndefined();
    expect(counter.reads).toBeGreaterThan(0);
  });

  it('costs one document by each request’s page sizes (kept per document and page-size variables)', async () => {
    const { app } = production();
    const query = `query($n: Int, $id: String) { technique(attackId: $id) { name }
      techniques(first: $n) { nodes { name groups(first: $n) { nodes { name
        techniques(first: $n) { nodes { name } } } } } } }`;
    const codes = [];
    for (const variables of [
      { n: 2, id: 'T9001' },
      { n: 1000, id: 'T9001' },
      { n: 2, id: 'T9002' },
      { n: 'x', id: 'T9001' }, // does not coerce: refused by execution, and no cost is kept for it
      { n: 1000, id: 'T9002' },
      { n: 2, id: 'T9001' },
    ]) {
      const body = (await (await app.post({ query, variables })).json()) as GqlBody;
      codes.push(errorCodes(body));
    }
    expect(codes).toEqual([[], ['MAX_COST_EXCEEDED'], [], ['BAD_USER_INPUT'], ['MAX_COST_EXCEEDED'], []]);
  });

  it('`nodes(ids:)` with 1000 copies of one id: BAD_USER_INPUT naming the cap', async () => {
    const { app, counter } = production();
    const found = (await (await app.post({ query: '{ techniques(first: 1) { nodes { id } } }' })).json()) as {
      data: { techniques: { nodes: { id: string }[] } };
    };
    const id = found.data.techniques.nodes[0]?.id;
    expect(id).toBeTruthy();
    const before = counter.reads;
    const query = 'query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Technique { name description } } }';
    const body = (await (
      await app.post({ query, variables: { ids: Array(1000).fill(id) } })
    ).json()) as GqlBody;
    expect(errorCodes(body)).toEqual(['BAD_USER_INPUT']);
    expect(body.errors?.[0]?.message).toBe(`ids: at most ${MAX_NODE_IDS} ids may be given (got 1000).`);
    expect(body.extensions?.dbRoundTrips).toBe(0);
    expect(counter.reads).toBe(before);
  });

  it('`nodes(ids:)` resolves each distinct id once and answers in the order given', async () => {
    const { app } = production();
    const list = (await (
      await app.post({ query: '{ techniques(first: 2) { nodes { id name } } }' })
    ).json()) as {
      data: { techniques: { nodes: { id: string; name: string }[] } };
    };
    const [a, b] = list.data.techniques.nodes;
    if (!a || !b) throw new Error('the mini graph has two techniques');
    const query = 'query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Technique { name } } }';
    const ids = [a.id, b.id, a.id, a.id];
    const body = (await (await app.post({ query, variables: { ids } })).json()) as GqlBody;
    expect(body.errors).toBeUndefined();
    expect(body.data?.nodes).toEqual([a, b, a, a]);
  });
});

describe('MAX_RESPONSE_BYTES', () => {
  it('stops an answer that grows past it: one RESPONSE_TOO_LARGE error, no partial data, one log line', async () => {
    const { app } = production({ MAX_RESPONSE_BYTES: '2048' });
    const page = 'techniques { nodes { attackId name description tactics { nodes { name description } } } }';
    const query = `{ ${['a', 'b', 'c', 'd', 'e'].map((alias) => `${alias}: ${page}`).join(' ')} }`;
    const response = await app.post({ query });
    const body = (await response.json()) as GqlBody;
    expect(errorCodes(body)).toEqual(['RESPONSE_TOO_LARGE']);
    expect(body.errors?.[0]?.message).toMatch(/larger than the limit of 2048 bytes/);
    expect(body.data ?? null).toBeNull();
    const warnings = app.logs().filter((l) => Number(l.level) >= 40);
    expect(warnings).toHaveLength(1);
    // Under the limit, the same query answers in full.
    const roomy = production({ MAX_RESPONSE_BYTES: '1000000' });
    const full = (await (await roomy.app.post({ query })).json()) as GqlBody;
    expect(full.errors).toBeUndefined();
    expect(JSON.stringify(full.data).length).toBeGreaterThan(2048);
  });
});

describe('REQUEST_TIMEOUT_MS', () => {
  it('stops the whole operation at the deadline: one TIMEOUT error, one log line, no read after it', async () => {
    const config = testConfig();
    const real = createExecutor(mini.db.driver, { database: config.neo4j.database });
    let reads = 0;
    // Neo4j answering slowly: every read waits 400 ms first, four times the request's time limit.
    const slow: Executor = {
      ...real,
      read: async (query, params, options) => {
        if (query.name !== DATA_VERSION.name) reads++;
        await new Promise((resolve) => setTimeout(resolve, 400));
        return real.read(query, params, options);
      },
      readBatch: async (batch, options) => {
        reads += batch.filter((r) => r.query.name !== DATA_VERSION.name).length;
        await new Promise((resolve) => setTimeout(resolve, 400));
        return real.readBatch(batch, options);
      },
    };
    const app = serve(mini.db, { APP_ENV: 'production', REQUEST_TIMEOUT_MS: '100' }, slow);
    // Thirty nullable lookups, each with four lists: the lists' reads would come after the
    // deadline, and each failed on its own (one error and one logged stack per field) before the
    // deadline stopped the operation as a whole.
    const lookup = `technique(attackId: "T1003") { name tactics { nodes { name } } groups { nodes { name } }
      software { nodes { name } } mitigations { nodes { name } } }`;
    const query = `{ ${Array.from({ length: 30 }, (_, i) => `t${i}: ${lookup}`).join(' ')} }`;
    const response = await app.post({ query });
    const body = (await response.json()) as GqlBody;
    expect(errorCodes(body)).toEqual(['TIMEOUT']);
    expect(body.errors?.[0]?.message).toMatch(/limit 100 ms/);
    expect(body.data ?? null).toBeNull();
    // The reads already under way finish; nothing the operation would have read next starts.
    const started = reads;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(reads).toBe(started);
    const warnings = app.logs().filter((l) => Number(l.level) >= 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.code).toBe('TIMEOUT');
    expect(app.logText()).not.toMatch(/"stack"/);
  });
});

describe('full-text search text', () => {
  /** Every field of the schema with a full-text argument: `search` (root lists) or `text` (`search`). */
  const fullText = Object.values(schema.getQueryType()?.getFields() ?? {}).flatMap((field) =>
    field.args
      .filter((a) => (a.name === 'search' || a.name === 'text') && getNamedType(a.type).name === 'String')
      .map((a) => ({ field: field.name, arg: a.name })),
  );

  it('over the word limit is BAD_USER_INPUT saying the limit, before Neo4j is asked, on every such argument', async () => {
    expect(fullText.length).toBeGreaterThan(5);
    const { app, counter } = production();
    const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
    for (const { field, arg } of fullText) {
      const query = `query($s: String!) { ${field}(${arg}: $s) { __typename } }`;
      const body = (await (await app.post({ query, variables: { s: words(1025) } })).json()) as GqlBody;
      expect(errorCodes(body), field).toEqual(['BAD_USER_INPUT']);
      expect(body.errors?.[0]?.message, field).toMatch(/at most 300 words can be searched for \(got 1025\)/);
    }
    expect(counter.reads).toBe(0);
    // At the limit every one answers (Lucene's own limit is 341 words over the index's three properties).
    for (const { field, arg } of fullText) {
      const query = `query($s: String!) { ${field}(${arg}: $s) { __typename } }`;
      const body = (await (await app.post({ query, variables: { s: words(300) } })).json()) as GqlBody;
      expect(body.errors, field).toBeUndefined();
    }
  });

  it('counts words as Lucene splits them: hyphenated parts and ideographs each count', async () => {
    const { app } = production();
    const query = 'query($s: String!) { search(text: $s) { totalCount } }';
    const hyphenated = Array.from({ length: 200 }, (_, i) => `a${i}-b${i}`).join(' ');
    const ideographs = '漢字'.repeat(200);
    for (const s of [hyphenated, ideographs]) {
      const body = (await (await app.post({ query, variables: { s } })).json()) as GqlBody;
      expect(errorCodes(body)).toEqual(['BAD_USER_INPUT']);
      expect(body.errors?.[0]?.message).toMatch(/\(got 400\)/);
    }
  });
});
