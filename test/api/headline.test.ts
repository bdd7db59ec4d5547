import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWithBundles, type TestApp } from '../helpers/app.ts';
import { dataOf } from '../helpers/gql-data.ts';
import { attackIdOf, StixIndex, type Via } from '../helpers/stix.ts';

const BUNDLE = 'enterprise-attack-18.1';
let app: TestApp;
let stix: StixIndex;

beforeAll(async () => {
  stix = new StixIndex(BUNDLE);
  app = await appWithBundles([BUNDLE]);
});
afterAll(() => app?.close());

interface TacticGroups {
  tactic: {
    attackId: string;
    groups: {
      totalCount: number;
      edges: { node: { attackId: string }; techniques: { attackId: string }[]; via: Via[] }[];
    };
  } | null;
}

const HEADLINE = `query ($shortname: String!, $via: [UsageVia!]) {
  tactic(shortname: $shortname, domain: ENTERPRISE) {
    attackId
    groups(via: $via, first: 1000) { totalCount edges { node { attackId } techniques { attackId } via } }
  }
}`;

/** [group ATT&CK ID, [its techniques in the tactic]] in the API's order, straight from STIX. */
function expectedGroups(shortname: string, via: Via[]) {
  const groups = stix.groupsUsing(stix.techniquesInTactic(shortname), via);
  return stix
    .sorted(groups.keys())
    .map((g) => [attackIdOf(g), stix.ids(stix.sorted(groups.get(g.id) ?? []))]);
}

describe('the headline: groups using techniques of a tactic', () => {
  it.each([
    'credential-access',
    'persistence',
    'lateral-movement',
    'exfiltration',
    'impact',
    'reconnaissance',
  ])('%s: every group that directly uses one of its techniques, with those techniques', async (shortname) => {
    const data = dataOf(await app.gql<TacticGroups>(HEADLINE, { shortname }));
    const expected = expectedGroups(shortname, ['DIRECT']);
    expect(expected.length).toBeGreaterThan(0);
    expect(data.tactic?.groups.totalCount).toBe(expected.length);
    expect(
      data.tactic?.groups.edges.map((e) => [e.node.attackId, e.techniques.map((t) => t.attackId)]),
    ).toEqual(expected);
    expect(data.tactic?.groups.edges.every((e) => e.via.join() === 'DIRECT')).toBe(true);
  });

  it('the documented headline query works without a domain (enterprise wins)', async () => {
    const data = dataOf(
      await app.gql<TacticGroups>(
        '{ tactic(shortname: "credential-access") { attackId groups { totalCount edges { node { attackId } techniques { attackId } via } } } }',
      ),
    );
    expect(data.tactic?.attackId).toBe(stix.tacticAttackId('credential-access'));
    expect(data.tactic?.groups.totalCount).toBe(expectedGroups('credential-access', ['DIRECT']).length);
  });

  it.each<[string, Via[]]>([
    ['credential-access', ['CAMPAIGN']],
    ['credential-access', ['SOFTWARE']],
    ['credential-access', ['DIRECT', 'CAMPAIGN', 'SOFTWARE']],
    ['execution', ['DIRECT', 'SOFTWARE']],
  ])('%s via %j infers usage through campaigns and software', async (shortname, via) => {
    const data = dataOf(await app.gql<TacticGroups>(HEADLINE, { shortname, via }));
    const expected = expectedGroups(shortname, via);
    expect(
      data.tactic?.groups.edges.map((e) => [e.node.attackId, e.techniques.map((t) => t.attackId)]),
    ).toEqual(expected);
    expect(data.tactic?.groups.totalCount).toBe(expected.length);
    // Each edge names the paths that found it, and only paths that were asked for.
    for (const edge of data.tactic?.groups.edges ?? []) {
      expect(edge.via.length).toBeGreaterThan(0);
      for (const v of edge.via) expect(via).toContain(v);
    }
  });
});

describe('tactics and the matrix', () => {
  it('tactics(domain:) come in the order of the domain matrix', async () => {
    const data = dataOf(
      await app.gql<{ tactics: { attackId: string; shortname: string }[] }>(
        '{ tactics(domain: ENTERPRISE) { attackId shortname } }',
      ),
    );
    const matrix = stix.ofType('x-mitre-matrix')[0];
    const expected = (matrix?.tactic_refs ?? []).map((id) => stix.attackIdById(id));
    expect(expected.length).toBeGreaterThan(10);
    expect(data.tactics.map((t) => t.attackId)).toEqual(expected);
  });

  it("Tactic.techniques lists the tactic's techniques, optionally with sub-techniques", async () => {
    const data = dataOf(
      await app.gql<{
        tactics: {
          shortname: string;
          top: { totalCount: number; nodes: { attackId: string }[] };
          all: { totalCount: number; nodes: { attackId: string }[] };
        }[];
      }>(`{ tactics(domain: ENTERPRISE) { shortname
            top: techniques(first: 1000) { totalCount nodes { attackId } }
            all: techniques(first: 1000, includeSubtechniques: true) { totalCount nodes { attackId } } } }`),
    );
    for (const tactic of data.tactics) {
      expect(tactic.top.nodes.map((n) => n.attackId)).toEqual(
        stix.ids(stix.techniquesInTactic(tactic.shortname, false)),
      );
      expect(tactic.all.nodes.map((n) => n.attackId)).toEqual(
        stix.ids(stix.techniquesInTactic(tactic.shortname)),
      );
      expect(tactic.all.totalCount).toBe(tactic.all.nodes.length);
    }
  });
});
