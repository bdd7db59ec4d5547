import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWithBundles, type TestApp } from '../helpers/app.ts';
import { type AttackIds, attackIds, dataOf } from '../helpers/gql-data.ts';
import { attackIdOf, isActive, StixIndex, type StixObject } from '../helpers/stix.ts';

const BUNDLE = 'enterprise-attack-18.1';
let app: TestApp;
let stix: StixIndex;

beforeAll(async () => {
  stix = new StixIndex(BUNDLE);
  app = await appWithBundles([BUNDLE]);
});
afterAll(() => app?.close());

const SOFTWARE = ['malware', 'tool'];
const ids = (objects: StixObject[]) => stix.ids(objects);

/**
 * Every object of a root list, each with the given nested selection, in the API's order: read in
 * pages, as a client would, so that no one request carries a whole list's relations (on a loaded
 * machine, one request for all 1,000 techniques with eight lists each met the request deadline).
 */
async function all<T>(
  field: string,
  selection: string,
): Promise<(T & { attackId: string; stixId: string })[]> {
  type Node = T & { attackId: string; stixId: string };
  type Page = {
    totalCount: number;
    nodes: Node[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
  const nodes: Node[] = [];
  let after: string | null = null;
  let totalCount = 0;
  do {
    const data: Record<string, Page> = dataOf(
      await app.gql<Record<string, Page>>(
        `query Page($after: String) { list: ${field}(first: 200, after: $after) {
           totalCount pageInfo { hasNextPage endCursor } nodes { attackId stixId ${selection} } } }`,
        { after },
      ),
    );
    const list: Page | undefined = data.list;
    if (!list) throw new Error('no list');
    nodes.push(...list.nodes);
    totalCount = list.totalCount;
    after = list.pageInfo.hasNextPage ? list.pageInfo.endCursor : null;
  } while (after);
  expect(nodes).toHaveLength(totalCount);
  return nodes;
}

describe('techniques, both directions', () => {
  it('every technique: tactics, parent, sub-techniques, groups, software, campaigns, mitigations, detections', async () => {
    type T = {
      isSubtechnique: boolean;
      parent: { attackId: string } | null;
      tactics: AttackIds;
      subtechniques: AttackIds;
      groups: AttackIds;
      software: AttackIds;
      campaigns: AttackIds;
      mitigations: AttackIds;
      detectionStrategies: AttackIds;
    };
    const c = '(first: 1000) { totalCount nodes { attackId } }';
    const techniques = await all<T>(
      'techniques',
      `isSubtechnique parent { attackId } tactics${c} subtechniques${c} groups${c} software${c} campaigns${c}
       mitigations${c} detectionStrategies${c}`,
    );
    const expectedTechniques = stix.ofType('attack-pattern');
    expect(techniques.map((t) => t.attackId)).toEqual(ids(expectedTechniques));
    const tactics = stix.ofType('x-mitre-tactic');
    for (const [i, t] of techniques.entries()) {
      const s = expectedTechniques[i] as StixObject;
      const id = attackIdOf(s) ?? '';
      expect(t.stixId).toBe(s.id);
      expect(t.isSubtechnique).toBe(stix.isSubtechnique(s));
      // The parent is named by the ATT&CK ID (18.1 lacks two subtechnique-of relationships).
      expect(t.parent?.attackId ?? null).toBe(stix.isSubtechnique(s) ? id.split('.')[0] : null);
      const phases = new Set(
        (s.kill_chain_phases ?? [])
          .filter((p) => p.kill_chain_name === 'mitre-attack')
          .map((p) => p.phase_name),
      );
      expect(attackIds(t.tactics)).toEqual(ids(tactics.filter((x) => phases.has(x.x_mitre_shortname ?? ''))));
      expect(attackIds(t.subtechniques)).toEqual(
        ids(expectedTechniques.filter((x) => attackIdOf(x)?.startsWith(`${id}.`))),
      );
      expect(attackIds(t.groups)).toEqual(ids(stix.related(s.id, 'uses', 'in', ['intrusion-set'])));
      expect(attackIds(t.software)).toEqual(ids(stix.related(s.id, 'uses', 'in', SOFTWARE)));
      expect(attackIds(t.campaigns)).toEqual(ids(stix.related(s.id, 'uses', 'in', ['campaign'])));
      expect(attackIds(t.mitigations)).toEqual(
        ids(stix.related(s.id, 'mitigates', 'in', ['course-of-action'])),
      );
      expect(attackIds(t.detectionStrategies)).toEqual(
        ids(stix.related(s.id, 'detects', 'in', ['x-mitre-detection-strategy'])),
      );
      expect(t.groups.totalCount).toBe(t.groups.nodes.length);
    }
  });
});

describe('groups, software, campaigns and mitigations, both directions', () => {
  it('every group: techniques (direct and via all paths), software, campaigns', async () => {
    type G = { direct: AttackIds; inferred: AttackIds; software: AttackIds; campaigns: AttackIds };
    const groups = await all<G>(
      'groups',
      `direct: techniques(first: 1000) { totalCount nodes { attackId } }
       inferred: techniques(first: 1000, via: [DIRECT, CAMPAIGN, SOFTWARE]) { totalCount nodes { attackId } }
       software(first: 1000) { totalCount nodes { attackId } }
       campaigns(first: 1000) { totalCount nodes { attackId } }`,
    );
    const expected = stix.ofType('intrusion-set');
    expect(groups.map((g) => g.attackId)).toEqual(ids(expected));
    for (const [i, g] of groups.entries()) {
      const s = expected[i] as StixObject;
      expect(attackIds(g.direct)).toEqual(ids(stix.related(s.id, 'uses', 'out', ['attack-pattern'])));
      expect(attackIds(g.inferred)).toEqual(
        ids(stix.sorted(stix.actorTechniques(s.id, ['DIRECT', 'CAMPAIGN', 'SOFTWARE']).keys())),
      );
      expect(attackIds(g.software)).toEqual(ids(stix.related(s.id, 'uses', 'out', SOFTWARE)));
      expect(attackIds(g.campaigns)).toEqual(ids(stix.related(s.id, 'attributed-to', 'in', ['campaign'])));
    }
  });

  it('every software: techniques, groups, campaigns', async () => {
    type S = { techniques: AttackIds; groups: AttackIds; campaigns: AttackIds; __typename: string };
    const software = await all<S>(
      'softwareList',
      `__typename techniques(first: 1000) { totalCount nodes { attackId } }
       groups(first: 1000) { totalCount nodes { attackId } } campaigns(first: 1000) { totalCount nodes { attackId } }`,
    );
    const expected = stix.objects
      .filter((o) => SOFTWARE.includes(o.type) && isActive(o))
      .sort((a, b) => ((attackIdOf(a) ?? '') < (attackIdOf(b) ?? '') ? -1 : 1));
    expect(software.map((s) => s.attackId)).toEqual(ids(expected));
    for (const [i, sw] of software.entries()) {
      const s = expected[i] as StixObject;
      expect(sw.__typename).toBe(s.type === 'tool' ? 'Tool' : 'Malware');
      expect(attackIds(sw.techniques)).toEqual(ids(stix.related(s.id, 'uses', 'out', ['attack-pattern'])));
      expect(attackIds(sw.groups)).toEqual(ids(stix.related(s.id, 'uses', 'in', ['intrusion-set'])));
      expect(attackIds(sw.campaigns)).toEqual(ids(stix.related(s.id, 'uses', 'in', ['campaign'])));
    }
  });

  it('every campaign: techniques, software, groups', async () => {
    type C = { techniques: AttackIds; software: AttackIds; groups: AttackIds };
    const campaigns = await all<C>(
      'campaigns',
      `techniques(first: 1000) { totalCount nodes { attackId } } software(first: 1000) { totalCount nodes { attackId } }
       groups { totalCount nodes { attackId } }`,
    );
    const expected = stix.ofType('campaign');
    expect(campaigns.map((c) => c.attackId)).toEqual(ids(expected));
    for (const [i, c] of campaigns.entries()) {
      const s = expected[i] as StixObject;
      expect(attackIds(c.techniques)).toEqual(ids(stix.related(s.id, 'uses', 'out', ['attack-pattern'])));
      expect(attackIds(c.software)).toEqual(ids(stix.related(s.id, 'uses', 'out', SOFTWARE)));
      expect(attackIds(c.groups)).toEqual(ids(stix.related(s.id, 'attributed-to', 'out', ['intrusion-set'])));
    }
  });

  it('every mitigation: techniques, each edge with the mitigation text for that technique', async () => {
    type M = {
      techniques: {
        totalCount: number;
        edges: { description: string | null; node: { stixId: string; attackId: string } }[];
      };
    };
    const mitigations = await all<M>(
      'mitigations',
      'techniques(first: 1000) { totalCount edges { description node { stixId attackId } } }',
    );
    const expected = stix.ofType('course-of-action');
    expect(mitigations.map((m) => m.attackId)).toEqual(ids(expected));
    for (const [i, m] of mitigations.entries()) {
      const s = expected[i] as StixObject;
      expect(m.techniques.edges.map((e) => e.node.attackId)).toEqual(
        ids(stix.related(s.id, 'mitigates', 'out', ['attack-pattern'])),
      );
      for (const e of m.techniques.edges) {
        expect(e.description).toBe(
          stix.relationship(s.id, 'mitigates', e.node.stixId)?.description?.trim() || null,
        );
      }
    }
  });

  it('direct uses carry the procedure text and its citations', async () => {
    const group = stix.byAttackId('intrusion-set', 'G0007');
    const data = dataOf(
      await app.gql<{
        group: {
          techniques: {
            edges: {
              via: string[];
              description: string | null;
              references: { sourceName: string }[];
              node: { stixId: string };
            }[];
          };
        };
      }>(
        `{ group(attackId: "G0007") { techniques(first: 1000) { edges { via description references { sourceName } node { stixId } } } } }`,
      ),
    );
    expect(data.group.techniques.edges.length).toBeGreaterThan(50);
    for (const edge of data.group.techniques.edges) {
      const rel = stix.relationship(group.id, 'uses', edge.node.stixId);
      expect(edge.via).toEqual(['DIRECT']);
      expect(edge.description).toBe(rel?.description?.trim() || null);
      expect(edge.references.map((r) => r.sourceName).sort()).toEqual(
        (rel?.external_references ?? []).map((r) => r.source_name).sort(),
      );
    }
  });

  it("via: CAMPAIGN finds usage through attributed campaigns, SOFTWARE through the group's software", async () => {
    // Groups with attributed campaigns: the inference has something to find.
    const withCampaigns = stix
      .ofType('intrusion-set')
      .filter((g) => stix.related(g.id, 'attributed-to', 'in', ['campaign']).length);
    expect(withCampaigns.length).toBeGreaterThan(3);
    for (const g of withCampaigns.slice(0, 6)) {
      const data = dataOf(
        await app.gql<{
          group: Record<'campaign' | 'software', { edges: { via: string[]; node: { attackId: string } }[] }>;
        }>(
          `query ($id: String!) { group(stixId: $id) {
             campaign: techniques(via: [CAMPAIGN], first: 1000) { edges { via node { attackId } } }
             software: techniques(via: [SOFTWARE], first: 1000) { edges { via node { attackId } } } } }`,
          { id: g.id },
        ),
      );
      for (const via of ['CAMPAIGN', 'SOFTWARE'] as const) {
        const expected = stix.sorted(stix.actorTechniques(g.id, [via]).keys());
        expect(
          data.group[via === 'CAMPAIGN' ? 'campaign' : 'software'].edges.map((e) => e.node.attackId),
        ).toEqual(ids(expected));
        for (const e of data.group[via === 'CAMPAIGN' ? 'campaign' : 'software'].edges)
          expect(e.via).toEqual([via]);
      }
    }
  });

  it('rollUp reports sub-technique usage under the parent', async () => {
    const group = stix.byAttackId('intrusion-set', 'G0007');
    const data = dataOf(
      await app.gql<{
        group: {
          techniques: { edges: { node: { attackId: string }; subtechniques: { attackId: string }[] }[] };
        };
      }>(
        '{ group(attackId: "G0007") { techniques(rollUp: true, first: 1000) { edges { node { attackId } subtechniques { attackId } } } } }',
      ),
    );
    const used = stix.related(group.id, 'uses', 'out', ['attack-pattern']);
    const parents = new Map<string, string[]>();
    for (const t of used) {
      const id = attackIdOf(t) ?? '';
      const parent = id.split('.')[0] ?? id;
      parents.set(parent, [...(parents.get(parent) ?? []), ...(id === parent ? [] : [id])]);
    }
    expect(data.group.techniques.edges.map((e) => e.node.attackId)).toEqual([...parents.keys()].sort());
    for (const e of data.group.techniques.edges) {
      expect(e.subtechniques.map((s) => s.attackId)).toEqual((parents.get(e.node.attackId) ?? []).sort());
    }
  });
});

describe('revoked and deprecated objects', () => {
  it('lists hide them by default and include them when asked', async () => {
    const count = async (field: string, args: string) =>
      dataOf(await app.gql<Record<string, { totalCount: number }>>(`{ x: ${field}${args} { totalCount } }`)).x
        ?.totalCount;
    const cases: [string, string[]][] = [
      ['techniques', ['attack-pattern']],
      ['groups', ['intrusion-set']],
      ['softwareList', SOFTWARE],
      ['mitigations', ['course-of-action']],
    ];
    for (const [field, types] of cases) {
      const objects = stix.objects.filter((o) => types.includes(o.type));
      expect(await count(field, '')).toBe(objects.filter(isActive).length);
      expect(await count(field, '(includeRevoked: true)')).toBe(
        objects.filter((o) => !o.x_mitre_deprecated).length,
      );
      expect(await count(field, '(includeDeprecated: true)')).toBe(objects.filter((o) => !o.revoked).length);
      expect(await count(field, '(includeRevoked: true, includeDeprecated: true)')).toBe(objects.length);
    }
  });

  it('a revoked object says what replaced it, following the whole revoked-by chain', async () => {
    const revoked = stix.objects.filter((o) => o.revoked && stix.revocationChain(o.id).length > 0);
    expect(revoked.length).toBeGreaterThan(100);
    const field = (o: StixObject) =>
      o.type === 'attack-pattern' ? 'technique' : o.type === 'intrusion-set' ? 'group' : 'software';
    const query = `{ ${revoked
      .map(
        (o, i) =>
          `o${i}: ${field(o)}(stixId: "${o.id}") { revoked revokedBy { stixId } revocationChain { stixId } }`,
      )
      .join('\n')} }`;
    const data = dataOf(
      await app.gql<
        Record<
          string,
          { revoked: boolean; revokedBy: { stixId: string }; revocationChain: { stixId: string }[] }
        >
      >(query),
    );
    revoked.forEach((o, i) => {
      const chain = stix.revocationChain(o.id).map((x) => x.id);
      expect(data[`o${i}`]).toEqual({
        revoked: true,
        revokedBy: { stixId: chain.at(-1) },
        revocationChain: chain.map((stixId) => ({ stixId })),
      });
    });
    // The malware revoked by a tool resolves across the Software types.
    expect(revoked.some((o) => o.type === 'malware' && stix.revocationChain(o.id)[0]?.type === 'tool')).toBe(
      true,
    );
  });

  it('lookups find revoked objects too, but prefer the current one when IDs repeat', async () => {
    // Deprecated mitigations reuse technique IDs: mitigation(attackId: "T…") finds the mitigation.
    const reused = stix.objects.find((o) => o.type === 'course-of-action' && attackIdOf(o)?.startsWith('T'));
    if (!reused) throw new Error('expected a deprecated mitigation with a technique ID');
    const id = attackIdOf(reused);
    const data = dataOf(
      await app.gql<{ mitigation: { stixId: string; deprecated: boolean }; technique: { stixId: string } }>(
        `{ mitigation(attackId: "${id}") { stixId deprecated } technique(attackId: "${id}") { stixId } }`,
      ),
    );
    expect(data.mitigation).toEqual({ stixId: reused.id, deprecated: true });
    expect(data.technique.stixId).toBe(stix.byAttackId('attack-pattern', id ?? '').id);
  });
});
