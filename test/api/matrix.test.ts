import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWithBundles, type GqlResponse, type TestApp } from '../helpers/app.ts';
import { dataOf } from '../helpers/gql-data.ts';
import { StixIndex } from '../helpers/stix.ts';

/*
 * The matrix (tactics → techniques → sub-techniques) reads its levels in one statement: the
 * tactics resolver looks ahead and hands the pages to the child fields' loaders. The answers must
 * be those of the level-by-level reads, which the same operation gets when a second alias of
 * `techniques` turns the look-ahead off.
 */

const BUNDLE = 'enterprise-attack-18.1';
let stix: StixIndex;
let app: TestApp;

beforeAll(async () => {
  stix = new StixIndex(BUNDLE);
  app = await appWithBundles([BUNDLE]);
});
afterAll(() => app?.close());

/** The bench's `matrix` class. */
const MATRIX = `query Matrix {
  tactics(domain: ENTERPRISE) {
    attackId shortname
    techniques(first: 500) {
      totalCount
      nodes { attackId subtechniques { nodes { attackId } } }
    }
  }
}`;

interface Tactic {
  attackId: string;
  shortname: string;
  techniques: {
    totalCount: number;
    nodes: { attackId: string; subtechniques: { nodes: { attackId: string }[] } }[];
  };
  other?: unknown;
}

/**
 * `query` with a second alias of `techniques` on each tactic (`other`), which the look-ahead does
 * not serve: the level-by-level answer, with `other` taken out again.
 */
async function levelByLevel(query: string, variables?: Record<string, unknown>) {
  const split = query.replace(
    /(\n\s*)techniques\(/,
    '$1other: techniques(first: 1) { totalCount }$1techniques(',
  );
  expect(split).not.toBe(query);
  const response = await app.gql<{ tactics: Tactic[] }>(split, variables);
  for (const t of dataOf(response).tactics) delete t.other;
  return response;
}

const withoutExtensions = <T>(r: GqlResponse<T>) => ({ data: r.data, errors: r.errors });

describe('the matrix in one round trip', () => {
  it('the bench query costs one round trip and answers as the level-by-level reads do', async () => {
    const ahead = await app.gql<{ tactics: Tactic[] }>(MATRIX);
    const plain = await levelByLevel(MATRIX);
    expect(ahead.extensions?.dbRoundTrips).toBe(1);
    expect(plain.extensions?.dbRoundTrips).toBe(3);
    expect(JSON.stringify(withoutExtensions(ahead))).toBe(JSON.stringify(withoutExtensions(plain)));
  });

  it('answers as the raw STIX: each tactic with its techniques and their sub-techniques', async () => {
    const data = dataOf(await app.gql<{ tactics: Tactic[] }>(MATRIX));
    expect(data.tactics.length).toBeGreaterThan(10);
    let subtechniques = 0;
    for (const tactic of data.tactics) {
      const techniques = stix.techniquesInTactic(tactic.shortname, false);
      expect(tactic.techniques.totalCount).toBe(techniques.length);
      expect(tactic.techniques.nodes.map((t) => t.attackId)).toEqual(stix.ids(techniques));
      for (const [i, t] of techniques.entries()) {
        const subs = stix.related(t.id, 'subtechnique-of', 'in', ['attack-pattern']);
        subtechniques += subs.length;
        expect(tactic.techniques.nodes[i]?.subtechniques.nodes.map((s) => s.attackId)).toEqual(
          stix.ids(subs),
        );
      }
    }
    expect(subtechniques).toBeGreaterThan(100);
  });

  it('keeps each level’s arguments and selection: pages, counts, filters and variables', async () => {
    const query = `query M($first: Int, $sub: Int, $revoked: Boolean) {
  tactics(domain: ENTERPRISE, includeRevoked: $revoked) {
    attackId stixId
    techniques(first: $first, includeSubtechniques: true, includeDeprecated: true) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { cursor }
      nodes { attackId name isSubtechnique
        subtechniques(first: $sub, includeRevoked: true) { totalCount pageInfo { hasNextPage } nodes { attackId name } }
      }
    }
  }
}`;
    for (const variables of [
      { first: 3, sub: 2, revoked: false },
      { first: 40, sub: 1, revoked: true },
    ]) {
      const ahead = await app.gql(query, variables);
      const plain = await levelByLevel(query, variables);
      expect(ahead.extensions?.dbRoundTrips).toBe(1);
      expect(JSON.stringify(withoutExtensions(ahead))).toBe(JSON.stringify(withoutExtensions(plain)));
    }
  });

  it('reads ahead only the levels it can hand over: techniques through edges, then sub-techniques per level', async () => {
    const query = `{ tactics(domain: ENTERPRISE) { attackId
  techniques(first: 5) { edges { node { attackId subtechniques { totalCount } } } } } }`;
    const ahead = await app.gql(query);
    const plain = await levelByLevel(query);
    // The techniques come with the tactics; sub-techniques under `edges` read as their own level.
    expect(ahead.extensions?.dbRoundTrips).toBe(2);
    expect(JSON.stringify(withoutExtensions(ahead))).toBe(JSON.stringify(withoutExtensions(plain)));
  });

  it('a bad cursor on a child is still that child’s error, where it stands', async () => {
    const response = await app.gql(
      '{ tactics(domain: ENTERPRISE) { attackId techniques(after: "nope") { totalCount } } }',
    );
    expect(response.errors?.[0]?.message).toMatch(/^after: not a cursor of this list/);
    expect(response.errors?.[0]?.path?.[2]).toBe('techniques');
  });
});

describe('a tactic with its groups in one round trip (the headline)', () => {
  const HEADLINE = `query H($via: [UsageVia!], $first: Int) {
  tactic(shortname: "credential-access") {
    attackId
    groups(first: $first, via: $via) { totalCount edges { node { attackId name } techniques { attackId } via } }
  }
}`;

  it('reads the groups with the tactic and answers as the level-by-level reads do', async () => {
    for (const variables of [{}, { via: ['DIRECT', 'CAMPAIGN', 'SOFTWARE'], first: 7 }]) {
      const ahead = await app.gql<{ tactic: { groups: { totalCount: number } } }>(HEADLINE, variables);
      const split = HEADLINE.replace('groups(', 'other: groups(first: 1) { totalCount }\n    groups(');
      const plain = await app.gql<{ tactic: { other?: unknown } }>(split, variables);
      delete dataOf(plain).tactic.other;
      expect(dataOf(ahead).tactic.groups.totalCount).toBeGreaterThan(10);
      expect(ahead.extensions?.dbRoundTrips).toBe(1);
      expect(plain.extensions?.dbRoundTrips).toBe(2);
      expect(JSON.stringify(withoutExtensions(ahead))).toBe(JSON.stringify(withoutExtensions(plain)));
    }
  });

  it('a tactic that is not there is still null', async () => {
    const response = await app.gql('{ tactic(shortname: "no-such-tactic") { groups { totalCount } } }');
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ tactic: null });
  });
});

describe('an object with every list it selects in one round trip', () => {
  /** The bench's `technique-one-hop` and `group-techniques-via` classes, with edge extras. */
  const LISTS = ['tactics', 'subtechniques', 'software', 'campaigns', 'mitigations', 'detectionStrategies'];
  const TECHNIQUE = `query T($id: String!) {
  technique(attackId: $id) {
    attackId name
    parent { attackId name }
    ${LISTS.map((l) => `${l}(first: 50) { totalCount nodes { attackId } }`).join('\n    ')}
    groups(via: [DIRECT, CAMPAIGN, SOFTWARE], first: 3) { totalCount edges { via description node { attackId } } }
  }
}`;
  const GROUP = `query G($id: String!) {
  group(attackId: $id) {
    attackId
    techniques(via: [DIRECT, CAMPAIGN, SOFTWARE], rollUp: true, first: 1000) { totalCount edges { via node { attackId } subtechniques { attackId } } }
    software { edges { description node { attackId name } } }
    campaigns { nodes { attackId } }
  }
}`;
  /** The same operation with a second alias of each list, which turns its look-ahead off. */
  const levelByLevel = (query: string, fields: string[]) =>
    fields.reduce(
      (q, f) =>
        q.replace(new RegExp(`(\\n    )${f}(\\s*[({])`), `$1other_${f}: ${f} { __typename }\n    ${f}$2`),
      query,
    );
  const withoutOthers = (data: unknown) =>
    JSON.stringify(data, (k, v) => (k.startsWith('other_') || k === 'extensions' ? undefined : v));

  it.each([
    ['a sub-technique', TECHNIQUE, { id: 'T1003.001' }, ['parent', 'groups', ...LISTS]],
    ['a technique', TECHNIQUE, { id: 'T1059' }, ['parent', 'groups', ...LISTS]],
    ['a group', GROUP, { id: 'G0016' }, ['techniques', 'software', 'campaigns']],
  ])(
    '%s: the lists come with the object and answer as the level-by-level reads do',
    async (_what, query, variables, fields) => {
      const ahead = await app.gql(query, variables);
      const plain = await app.gql(levelByLevel(query, fields), variables);
      expect(ahead.errors).toBeUndefined();
      expect(plain.errors).toBeUndefined();
      expect(ahead.extensions?.dbRoundTrips).toBe(1);
      expect(plain.extensions?.dbRoundTrips).toBe(2);
      expect(withoutOthers(ahead)).toBe(withoutOthers(plain));
      expect(withoutOthers(ahead)).toMatch(/"totalCount":[1-9]/);
    },
  );
});
