import { type GraphQLField, getNamedType, isNonNullType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { schema } from '../../src/schema/index.ts';
import { createApp } from '../../src/yoga.ts';
import { appWithBundles, createGql, type TestApp } from '../helpers/app.ts';
import { dataOf } from '../helpers/gql-data.ts';
import { attackIdOf, isActive, StixIndex } from '../helpers/stix.ts';

const BUNDLE = 'enterprise-attack-18.1';
let app: TestApp;
let stix: StixIndex;

beforeAll(async () => {
  stix = new StixIndex(BUNDLE);
  app = await appWithBundles([BUNDLE]);
});
afterAll(() => app?.close());

type Page = {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { cursor: string; node: { stixId: string } }[];
};

/** Walks a connection with `after` until the end, returning every node's STIX id in order. */
async function walk(query: string, pick: (data: Record<string, unknown>) => Page, first: number) {
  const seen: string[] = [];
  let after: string | null = null;
  let total = -1;
  for (let pages = 0; pages < 100; pages++) {
    const data = dataOf(await app.gql<Record<string, unknown>>(query, { first, after }));
    const page = pick(data);
    total = page.totalCount;
    expect(page.edges.length).toBeLessThanOrEqual(first);
    seen.push(...page.edges.map((e) => e.node.stixId));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return { seen, total };
}

const PAGE = 'totalCount pageInfo { hasNextPage endCursor } edges { cursor node { stixId } }';

describe('pagination', () => {
  it('walking `after` over techniques yields every technique exactly once, in order', async () => {
    const { seen, total } = await walk(
      `query ($first: Int, $after: String) { techniques(first: $first, after: $after) { ${PAGE} } }`,
      (d) => d.techniques as Page,
      97,
    );
    const expected = stix.ofType('attack-pattern').map((t) => t.id);
    expect(total).toBe(expected.length);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('walking `after` over a nested connection (Tactic.groups) yields every group exactly once', async () => {
    const { seen, total } = await walk(
      `query ($first: Int, $after: String) { tactic(shortname: "defense-evasion") { groups(first: $first, after: $after) { ${PAGE} } } }`,
      (d) => (d.tactic as { groups: Page }).groups,
      7,
    );
    const expected = stix.groupsUsing(stix.techniquesInTactic('defense-evasion'), ['DIRECT']);
    expect(total).toBe(expected.size);
    expect(seen).toEqual(stix.sorted(expected.keys()).map((g) => g.id));
  });

  it('first defaults to 100', async () => {
    const data = dataOf(
      await app.gql<{ groups: { totalCount: number; edges: unknown[] } }>(
        '{ groups { totalCount edges { cursor } } }',
      ),
    );
    expect(data.groups.totalCount).toBe(stix.ofType('intrusion-set').length);
    expect(data.groups.edges).toHaveLength(Math.min(100, data.groups.totalCount));
  });
});

describe('identifiers and lookups', () => {
  it('node(id:) and nodes(ids:) round-trip every kind of object', async () => {
    const data = dataOf(
      await app.gql<Record<string, { id: string; stixId: string; __typename: string }>>(`{
        t: technique(attackId: "T1003.001") { id stixId __typename }
        g: group(attackId: "G0007") { id stixId __typename }
        s: software(attackId: "S0002") { id stixId __typename }
        m: mitigation(attackId: "M1026") { id stixId __typename }
        c: campaign(attackId: "C0024") { id stixId __typename }
        a: tactic(attackId: "TA0006") { id stixId __typename }
        d: detectionStrategy(attackId: "DET0001") { id stixId __typename }
      }`),
    );
    const objects = Object.values(data);
    expect(new Set(objects.map((o) => o.__typename)).size).toBe(objects.length);
    for (const o of objects) {
      const back = dataOf(
        await app.gql<{ node: { __typename: string; stixId: string } }>(
          'query ($id: ID!) { node(id: $id) { __typename ... on AttackObject { stixId } } }',
          { id: o.id },
        ),
      );
      expect(back.node).toEqual({ __typename: o.__typename, stixId: o.stixId });
    }
    const many = dataOf(
      await app.gql<{ nodes: ({ stixId: string } | null)[] }>(
        'query ($ids: [ID!]!) { nodes(ids: $ids) { ... on AttackObject { stixId } } }',
        {
          ids: objects.map((o) => o.id),
        },
      ),
    );
    expect(many.nodes.map((n) => n?.stixId)).toEqual(objects.map((o) => o.stixId));
  });

  it('unknown ids give null', async () => {
    const unknownId = Buffer.from('Technique:attack-pattern--00000000-0000-0000-0000-000000000000').toString(
      'base64',
    );
    const data = dataOf(
      await app.gql<Record<string, unknown>>(`{
        t: technique(attackId: "T9999") { name }
        g: group(name: "no such group") { name }
        s: software(stixId: "malware--00000000-0000-0000-0000-000000000000") { name }
        n: node(id: "${unknownId}") { id }
      }`),
    );
    expect(data).toEqual({ t: null, g: null, s: null, n: null });
  });

  it('group(name:) matches names and aliases, case-insensitively', async () => {
    const apt28 = stix.byAttackId('intrusion-set', 'G0007');
    for (const name of [apt28.name ?? '', ...(apt28.aliases ?? [])].map((n) => n.toUpperCase())) {
      const data = dataOf(
        await app.gql<{ group: { attackId: string } }>(
          'query ($n: String!) { group(name: $n) { attackId } }',
          { n: name },
        ),
      );
      expect(data.group.attackId).toBe('G0007');
    }
  });

  it('filters: platform, tactic and full-text search', async () => {
    const data = dataOf(
      await app.gql<Record<string, { totalCount: number; nodes: { attackId: string }[] }>>(`{
        mac: techniques(platform: "macos", first: 1000) { totalCount nodes { attackId } }
        cred: techniques(tactic: "credential-access", first: 1000) { totalCount nodes { attackId } }
        found: softwareList(search: "mimikatz") { totalCount nodes { attackId } }
      }`),
    );
    const techniques = stix.ofType('attack-pattern');
    expect(data.mac?.nodes.map((n) => n.attackId)).toEqual(
      stix.ids(techniques.filter((t) => (t.x_mitre_platforms ?? []).includes('macOS'))),
    );
    expect(data.cred?.nodes.map((n) => n.attackId)).toEqual(
      stix.ids(stix.techniquesInTactic('credential-access')),
    );
    expect(data.found?.nodes.map((n) => n.attackId)).toContain('S0002');
  });

  it('search(text:) ranks across types and takes Lucene syntax literally', async () => {
    const data = dataOf(
      await app.gql<{
        search: {
          totalCount: number;
          edges: { score: number; node: { attackId: string; __typename: string } }[];
        };
        odd: { totalCount: number };
      }>(
        `{ search(text: "Mimikatz", first: 5) { totalCount edges { score node { __typename attackId } } }
           odd: search(text: "T1003 (OS) [x]: AND \\"quoted* ~fuzzy/") { totalCount } }`,
      ),
    );
    expect(data.search.edges[0]?.node).toEqual({ __typename: 'Tool', attackId: 'S0002' });
    const scores = data.search.edges.map((e) => e.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(data.odd.totalCount).toBeGreaterThanOrEqual(0);
  });
});

describe('errors', () => {
  it.each([
    ['{ techniques(first: -1) { totalCount } }', /first/],
    ['{ techniques(first: 1001) { totalCount } }', /first/],
    ['{ technique(attackId: "foo") { name } }', /T1003/],
    ['{ group(attackId: "T1003") { name } }', /G0007/],
    ['{ technique { name } }', /exactly one of attackId, stixId, name/],
    ['{ technique(attackId: "T1003", name: "OS Credential Dumping") { name } }', /exactly one/],
    ['{ techniques(after: "not-a-cursor") { totalCount } }', /after/],
  ])('%s is BAD_USER_INPUT, saying what is allowed', async (query, message) => {
    const response = await app.gql(query);
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.message).toMatch(message);
  });

  it('every connection field refuses a page over the maximum: at the root, and on every object a lookup finds', async () => {
    // Page sizes are checked where every connection pages (`windowOf`), once per field of the
    // operation, not by a per-call argument validator: this walks the schema for any that does not.
    const pages = (fields: Record<string, GraphQLField<unknown, unknown>>) =>
      Object.values(fields).filter(
        (f) =>
          f.args.some((a) => a.name === 'first') &&
          !f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined),
      );
    // One query per field: a non-null field's error ends the whole query's execution.
    const refused = async (query: (field: string) => string, fields: GraphQLField<unknown, unknown>[]) => {
      const out: string[] = [];
      for (const f of fields) {
        const { errors } = await app.gql(query(`${f.name}(first: 1001) { totalCount }`));
        const error = errors?.[0];
        if (error?.extensions?.code === 'BAD_USER_INPUT' && /^first: /.test(error.message)) out.push(f.name);
      }
      return out;
    };
    const queryType = schema.getQueryType();
    const roots = pages(queryType?.getFields() ?? {});
    expect(roots.length).toBeGreaterThan(10);
    expect(await refused((f) => `{ ${f} }`, roots)).toEqual(roots.map((f) => f.name));

    let nested = 0;
    for (const lookup of Object.values(queryType?.getFields() ?? {})) {
      const type = getNamedType(lookup.type);
      if (!lookup.args.some((a) => a.name === 'attackId') || !('getFields' in type)) continue;
      const fields = pages(type.getFields());
      if (fields.length === 0) continue;
      const [row] = await app.db.executor.read(
        {
          name: 'test.anAttackId',
          cypher: `MATCH (n:Current) WHERE $label IN labels(n) AND n.attackId IS NOT NULL
                   AND NOT coalesce(n.revoked, false) RETURN n.attackId AS id ORDER BY id LIMIT 1`,
        },
        { label: type.name },
      );
      if (!row) continue;
      const under = await refused((f) => `{ ${lookup.name}(attackId: "${row.id}") { ${f} } }`, fields);
      expect([lookup.name, under]).toEqual([lookup.name, fields.map((f) => f.name)]);
      nested += fields.length;
    }
    // Techniques, tactics, groups, software, mitigations, campaigns and the detection types.
    expect(nested).toBeGreaterThan(25);
  });

  it('an unknown domain is BAD_USER_INPUT, listing the domains, before anything runs', async () => {
    const response = await app.gql('{ tactics(domain: FOO) { name } }');
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.message).toBe(
      'FOO is not a Domain: expected one of ENTERPRISE, ICS, MOBILE.',
    );
    expect(response.extensions?.dbRoundTrips ?? 0).toBe(0);
  });
});

describe('batching', () => {
  it('a nested list query makes one round trip per level, never one per parent', async () => {
    // software(first: 20): with three default pages of 100 under 16 tactics the worst case is
    // 16 million objects, over MAX_COST; the round trips do not depend on the page size.
    const response = await app.gql<{
      tactics: { techniques: { nodes: { groups: { nodes: { software: { nodes: unknown[] } }[] } }[] } }[];
    }>(
      '{ tactics(domain: ENTERPRISE) { techniques { nodes { groups { nodes { software(first: 20) { nodes { name } } } } } } } }',
    );
    const data = dataOf(response);
    const parents = data.tactics.flatMap((t) => t.techniques.nodes);
    expect(parents.length).toBeGreaterThan(100);
    // tactics, techniques, groups, software: four levels.
    expect(response.extensions?.dbRoundTrips).toBeLessThanOrEqual(4);
  });

  it('lists a matrix in one request: tactics, techniques and sub-techniques', async () => {
    const response = await app.gql<{
      tactics: { techniques: { nodes: { subtechniques: { totalCount: number } }[] } }[];
    }>(
      '{ tactics(domain: ENTERPRISE) { name techniques(first: 1000) { nodes { attackId name subtechniques { totalCount nodes { attackId name } } } } } }',
    );
    const data = dataOf(response);
    const subs = data.tactics
      .flatMap((t) => t.techniques.nodes)
      .reduce((n, t) => n + t.subtechniques.totalCount, 0);
    expect(subs).toBeGreaterThan(0);
    expect(response.extensions?.dbRoundTrips).toBeLessThanOrEqual(3);
    expect(stix.ofType('attack-pattern').filter((t) => isActive(t) && attackIdOf(t)).length).toBeGreaterThan(
      0,
    );
  });
});

describe('GraphiQL', () => {
  it('opens with example operations that all answer without errors, the headline among them', async () => {
    const { DEFAULT_QUERY } = await import('../../src/yoga.ts');
    const names = [...DEFAULT_QUERY.matchAll(/^query (\w+)/gm)].map((m) => m[1]);
    expect(names.length).toBeGreaterThanOrEqual(4);
    for (const operationName of names) {
      const response = await app.yoga.fetch('http://test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: DEFAULT_QUERY, operationName }),
      });
      const result = (await response.json()) as { errors?: unknown; data?: Record<string, unknown> };
      expect(result.errors, operationName).toBeUndefined();
      expect(Object.values(result.data ?? {})[0], operationName).toBeTruthy();
      if (operationName === 'CredentialAccessGroups') {
        const tactic = result.data?.tactic as { groups: { totalCount: number } };
        expect(tactic.groups.totalCount).toBe(
          stix.groupsUsing(stix.techniquesInTactic('credential-access'), ['DIRECT']).size,
        );
      }
    }
  });
});

describe('compiled execution (GRAPHQL_JIT)', () => {
  /** Operations of every kind the API answers: lists, edges, abstract types, directives, errors. */
  const OPERATIONS: { name: string; query: string; variables?: Record<string, unknown>; fails?: true }[] = [
    {
      name: 'a technique page',
      query: `query ($id: String!) { technique(attackId: $id) {
        attackId name tactics { totalCount nodes { attackId } } parent { attackId }
        subtechniques(first: 1000) { totalCount nodes { attackId } }
        groups(first: 5) { totalCount pageInfo { hasNextPage endCursor }
          edges { cursor description references { sourceName url } node { attackId name } } }
        software(first: 1000) { nodes { __typename attackId ... on Malware { name } } }
        mitigations(first: 1000) { edges { description node { attackId } } } } }`,
      variables: { id: 'T1003' },
    },
    {
      name: 'the headline, by every path',
      query: `query ($via: [UsageVia!]) { tactic(shortname: "credential-access") {
        groups(via: $via, first: 1000) { totalCount edges { via node { attackId } techniques { attackId } } } } }`,
      variables: { via: ['DIRECT', 'CAMPAIGN', 'SOFTWARE'] },
    },
    {
      name: 'the matrix',
      query: `{ tactics(domain: ENTERPRISE) { attackId shortname
        techniques(first: 500) { totalCount nodes { attackId subtechniques { nodes { attackId } } } } } }`,
    },
    {
      name: 'fragments, aliases and @include',
      query: `query ($more: Boolean!) { a: group(attackId: "G0016") { ...G } b: group(attackId: "G0007") { ...G }
        none: technique(attackId: "T9999") { attackId } }
        fragment G on Group { attackId aliases software(first: 3) @include(if: $more) { nodes { attackId } } }`,
      variables: { more: true },
    },
    {
      name: 'an analyst query',
      query: `query ($ids: [String!]!) { overlap(objects: $ids) { sharedCount unionCount shared { attackId }
        members { object { attackId } unique { attackId } } } }`,
      variables: { ids: ['G0016', 'G0007'] },
    },
    {
      name: 'a cursor of another list',
      query: `{ group(attackId: "G0016") { techniques(after: "not-a-cursor") { totalCount } } }`,
      fails: true,
    },
    {
      name: 'a variable of the wrong type',
      query: `query ($id: String!) { technique(attackId: $id) { attackId } }`,
      variables: { id: 5 },
      fails: true,
    },
  ];

  it('answers every operation as graphql-js does, before it is compiled and after', async () => {
    const lines: string[] = [];
    const compiledApp = createApp({
      config: app.db.config,
      executor: app.db.executor,
      logger: createLogger('debug', { write: (line: string) => void lines.push(line) }),
    });
    expect(app.db.config.http.jit).toBe(true);
    const interpreted = createGql(
      createApp({
        config: { ...app.db.config, http: { ...app.db.config.http, jit: false } },
        executor: app.db.executor,
        logger: createLogger('silent'),
      }),
    );
    const compiled = createGql(compiledApp);
    for (const { name, query, variables, fails } of OPERATIONS) {
      const { data, errors } = await interpreted(query, variables);
      expect(errors !== undefined, name).toBe(fails === true);
      // Asked again, with the per-import analyst sets read: as the compiled app is by its third run.
      const warm = await interpreted(query, variables);
      // The first run is graphql-js's; the second compiles the document; the third finds it compiled.
      for (let run = 1; run <= 3; run++) {
        const answer = await compiled(query, variables);
        expect({ data: answer.data, errors: answer.errors }, `${name}, run ${run}`).toEqual({ data, errors });
        // The same reads, in the same round trips.
        if (run === 3) expect(answer.extensions, name).toEqual(warm.extensions);
      }
    }
    // Each document compiled once, on its second run.
    expect(lines.filter((l) => l.includes('"operation compiled"'))).toHaveLength(OPERATIONS.length);
  });
});
