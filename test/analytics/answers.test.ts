/**
 * The analyst queries on the real enterprise 18.1 bundle: every answer is compared with one
 * computed here straight from the raw STIX JSON (see reference.ts), never with hard-coded lists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWithBundles, type TestApp } from '../helpers/app.ts';
import { attackIdOf, isCurrent, type Obj, Reference } from '../helpers/reference.ts';

let app: TestApp;
let ref: Reference;

beforeAll(async () => {
  app = await appWithBundles(['enterprise-attack-18.1']);
  ref = new Reference('enterprise-attack-18.1');
}, 300_000);
afterAll(() => app?.close());

type Ids = { attackId: string }[];
const ids = (xs: Ids | undefined) => (xs ?? []).map((x) => x.attackId);
const sorted = (xs: Iterable<string>) => [...xs].sort();
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

async function ok<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const result = await app.gql<T>(query, variables);
  expect(result.errors).toBeUndefined();
  return result.data as T;
}

describe('overlap', () => {
  it('shares the intersection, gives each group what only it uses, and reports unknown ids', async () => {
    const data = await ok<{
      overlap: {
        shared: Ids;
        members: { object: { attackId: string }; unique: Ids; count: number }[];
        unknownIds: string[];
        unionCount: number;
      };
    }>(`{ overlap(objects: ["G0016", "APT28", "G0046", "G9999"]) {
      shared { attackId } unionCount unknownIds members { object { attackId } count unique { attackId } } } }`);
    const sets = ref.groupTechniques();
    const [a, b, c] = ['G0016', 'G0007', 'G0046'].map(
      (g) => sets.get(g) ?? new Set<string>(),
    ) as Set<string>[];
    const shared = [...(a as Set<string>)].filter((t) => b?.has(t) && c?.has(t));
    expect(ids(data.overlap.shared)).toEqual(sorted(shared));
    expect(data.overlap.members.map((m) => m.object.attackId)).toEqual(['G0016', 'G0007', 'G0046']);
    const all = [a, b, c] as Set<string>[];
    data.overlap.members.forEach((m, i) => {
      const mine = all[i] as Set<string>;
      expect(m.count).toBe(mine.size);
      expect(ids(m.unique)).toEqual(
        sorted([...mine].filter((t) => all.every((s, j) => j === i || !s.has(t)))),
      );
    });
    expect(data.overlap.unionCount).toBe(new Set(all.flatMap((s) => [...s])).size);
    expect(data.overlap.unknownIds).toEqual(['G9999']);
  });

  it('answers an empty list with an empty result and refuses an oversized one', async () => {
    const empty = await ok<{ overlap: { members: unknown[]; shared: unknown[]; unknownIds: string[] } }>(
      '{ overlap(objects: []) { members { count } shared { attackId } unknownIds } }',
    );
    expect(empty.overlap).toEqual({ members: [], shared: [], unknownIds: [] });
    const big = await app.gql('query ($ids: [String!]!) { overlap(objects: $ids) { sharedCount } }', {
      ids: Array.from({ length: 201 }, (_, i) => `G${String(i).padStart(4, '0')}`),
    });
    expect(big.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(big.errors?.[0]?.message).toContain('objects');
  });
});

describe('similarGroups', () => {
  it('ranks groups by the Jaccard similarity of their technique sets, ties by ATT&CK ID', async () => {
    const data = await ok<{
      similarGroups: {
        similar: { group: { attackId: string }; score: number; sharedCount: number; shared: Ids }[];
      };
    }>(
      '{ similarGroups(group: "G0016", limit: 15) { similar { group { attackId } score sharedCount shared { attackId } } } }',
    );
    const sets = ref.groupTechniques();
    const mine = sets.get('G0016') as Set<string>;
    const expected = [...sets]
      .filter(([g]) => g !== 'G0016')
      .map(([g, s]) => {
        const shared = [...s].filter((t) => mine.has(t));
        return { g, shared, score: shared.length / new Set([...s, ...mine]).size };
      })
      .filter((x) => x.score > 0)
      .sort((x, y) => y.score - x.score || cmp(x.g, y.g))
      .slice(0, 15);
    expect(data.similarGroups.similar.map((s) => s.group.attackId)).toEqual(expected.map((e) => e.g));
    data.similarGroups.similar.forEach((s, i) => {
      expect(s.score).toBeCloseTo(expected[i]?.score ?? -1, 12);
      expect(ids(s.shared)).toEqual(sorted(expected[i]?.shared ?? []));
    });
  });

  it('says an unknown group is unknown', async () => {
    const data = await ok<{ similarGroups: { group: null; similar: unknown[]; unknownIds: string[] } }>(
      '{ similarGroups(group: "G9999") { group { attackId } similar { score } unknownIds } }',
    );
    expect(data.similarGroups).toEqual({ group: null, similar: [], unknownIds: ['G9999'] });
  });
});

describe('techniquePrevalence', () => {
  it('counts the groups using each technique of a tactic', async () => {
    const data = await ok<{
      techniquePrevalence: {
        actorCount: number;
        techniques: { technique: { attackId: string }; count: number }[];
      };
    }>(
      '{ techniquePrevalence(tactic: "credential-access", limit: 1000) { actorCount techniques { technique { attackId } count } } }',
    );
    const catalog = ref.catalog();
    const inTactic = (t: string) => catalog.get(t)?.tactics.includes('credential-access');
    const counts = new Map<string, number>();
    let actors = 0;
    for (const s of ref.groupTechniques().values()) {
      const used = [...s].filter(inTactic);
      if (used.length) actors++;
      for (const t of used) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    const expected = [...counts].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]));
    expect(data.techniquePrevalence.actorCount).toBe(actors);
    expect(data.techniquePrevalence.techniques.map((t) => [t.technique.attackId, t.count])).toEqual(expected);
  });
});

describe('cooccurrence', () => {
  it('gives support, confidence and lift over the groups', async () => {
    const data = await ok<{
      cooccurrence: {
        population: number;
        count: number;
        techniques: {
          technique: { attackId: string };
          count: number;
          support: number;
          confidence: number;
          lift: number;
          evidence: Ids;
        }[];
      };
    }>(`{ cooccurrence(technique: "T1003.001", limit: 25) { population count
      techniques { technique { attackId } count support confidence lift evidence { attackId } } } }`);
    const sets = ref.groupTechniques();
    const n = sets.size;
    const users = [...sets].filter(([, s]) => s.has('T1003.001'));
    const itemCount = (t: string) => [...sets.values()].filter((s) => s.has(t)).length;
    const both = new Map<string, string[]>();
    for (const [g, s] of users)
      for (const t of s) if (t !== 'T1003.001') both.set(t, [...(both.get(t) ?? []), g]);
    const lift = (t: string) => (both.get(t)?.length ?? 0) / users.length / (itemCount(t) / n);
    const expected = [...both.keys()]
      .sort(
        (a, b) => (both.get(b)?.length ?? 0) - (both.get(a)?.length ?? 0) || lift(b) - lift(a) || cmp(a, b),
      )
      .slice(0, 25);
    expect(data.cooccurrence.population).toBe(n);
    expect(data.cooccurrence.count).toBe(users.length);
    expect(data.cooccurrence.techniques.map((t) => t.technique.attackId)).toEqual(expected);
    for (const t of data.cooccurrence.techniques) {
      const id = t.technique.attackId;
      const together = both.get(id) ?? [];
      expect(t.count).toBe(together.length);
      expect(t.support).toBeCloseTo(together.length / n, 12);
      expect(t.confidence).toBeCloseTo(together.length / users.length, 12);
      expect(t.lift).toBeCloseTo(lift(id), 12);
      expect(ids(t.evidence)).toEqual(sorted(together));
    }
  });
});

describe('coverageGaps', () => {
  const detected = [
    'T1003',
    'T1059.001',
    'T1566.001',
    'T1566.002',
    'T1566.003',
    'T1566.004',
    'T1078',
    'T0000',
  ];

  it('counts covered and uncovered techniques per tactic and ranks the gaps by use', async () => {
    const data = await ok<{
      coverageGaps: {
        total: number;
        covered: number;
        unknownIds: string[];
        tactics: {
          tactic: { shortname: string };
          total: number;
          coveredCount: number;
          percent: number;
          covered: Ids;
          uncovered: { technique: { attackId: string }; groupCount: number }[];
        }[];
      };
    }>(
      `query ($detected: [String!]!) { coverageGaps(detected: $detected) { total covered unknownIds
        tactics { tactic { shortname } total coveredCount percent covered { attackId } uncovered { technique { attackId } groupCount } } } }`,
      { detected },
    );
    const catalog = ref.catalog();
    const listed = new Set(detected);
    const subsOf = (p: string) => [...catalog].filter(([, c]) => c.parent === p).map(([id]) => id);
    const self = (t: string) => listed.has(t) || listed.has(catalog.get(t)?.parent ?? '');
    const covered = (t: string) =>
      self(t) || (!catalog.get(t)?.sub && subsOf(t).length > 0 && subsOf(t).every(self));
    const groups = ref.groupTechniques();
    const users = (t: string) =>
      [...groups.values()].filter((s) => s.has(t) || [...s].some((x) => catalog.get(x)?.parent === t)).length;
    const matrix = ref.current('x-mitre-matrix')[0] as Obj;
    const order = (matrix.tactic_refs as string[]).map((r) => ref.byId.get(r)?.x_mitre_shortname as string);
    expect(data.coverageGaps.tactics.map((t) => t.tactic.shortname)).toEqual(order);
    for (const t of data.coverageGaps.tactics) {
      const all = [...catalog].filter(([, c]) => c.tactics.includes(t.tactic.shortname)).map(([id]) => id);
      const yes = all.filter(covered);
      expect(t.total).toBe(all.length);
      expect(ids(t.covered)).toEqual(sorted(yes));
      expect(t.percent).toBeCloseTo(all.length ? (100 * yes.length) / all.length : 0, 10);
      const gaps = all.filter((x) => !covered(x)).sort((a, b) => users(b) - users(a) || cmp(a, b));
      expect(t.uncovered.map((u) => [u.technique.attackId, u.groupCount])).toEqual(
        gaps.map((g) => [g, users(g)]),
      );
    }
    expect(data.coverageGaps.total).toBe(catalog.size);
    expect(data.coverageGaps.covered).toBe([...catalog.keys()].filter(covered).length);
    expect(data.coverageGaps.unknownIds).toEqual(['T0000']);
  });
});

describe('mitigationPlan', () => {
  it('orders mitigations greedily by the target techniques each still adds', async () => {
    const data = await ok<{
      mitigationPlan: {
        targetCount: number;
        steps: {
          mitigation: { attackId: string };
          added: Ids;
          cumulativeCount: number;
          cumulativePercent: number;
        }[];
        unmitigable: Ids;
        unknownIds: string[];
      };
    }>(`{ mitigationPlan(groups: ["G0016", "G0007", "G9999"], max: 8) { targetCount unknownIds
      steps { mitigation { attackId } added { attackId } cumulativeCount cumulativePercent } unmitigable { attackId } } }`);
    const groups = ref.groupTechniques();
    const target = new Set([...(groups.get('G0016') ?? []), ...(groups.get('G0007') ?? [])]);
    const mitigations = ref.mitigations();
    const left = new Set(target);
    const used = new Set<string>();
    const steps: { m: string; added: string[]; cumulative: number }[] = [];
    while (steps.length < 8) {
      let best: [string, string[]] | null = null;
      for (const m of [...mitigations.keys()].sort()) {
        if (used.has(m)) continue;
        const gain = [...(mitigations.get(m) ?? [])].filter((t) => left.has(t));
        if (gain.length > (best?.[1].length ?? 0)) best = [m, gain];
      }
      if (!best) break;
      used.add(best[0]);
      for (const t of best[1]) left.delete(t);
      steps.push({ m: best[0], added: sorted(best[1]), cumulative: target.size - left.size });
    }
    expect(data.mitigationPlan.targetCount).toBe(target.size);
    expect(
      data.mitigationPlan.steps.map((s) => [s.mitigation.attackId, ids(s.added), s.cumulativeCount]),
    ).toEqual(steps.map((s) => [s.m, s.added, s.cumulative]));
    const last = data.mitigationPlan.steps.at(-1);
    expect(last?.cumulativePercent).toBeCloseTo((100 * (steps.at(-1)?.cumulative ?? 0)) / target.size, 10);
    const mitigable = new Set([...mitigations.values()].flatMap((s) => [...s]));
    expect(ids(data.mitigationPlan.unmitigable)).toEqual(
      sorted([...target].filter((t) => !mitigable.has(t))),
    );
    expect(data.mitigationPlan.unknownIds).toEqual(['G9999']);
  });

  it('refuses a max out of range', async () => {
    const result = await app.gql('{ mitigationPlan(techniques: ["T1003"], max: 0) { targetCount } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toContain('max');
  });
});

describe('detection', () => {
  it('follows detection strategies -> analytics -> log sources for a technique', async () => {
    const data = await ok<{
      detectionChain: {
        strategies: {
          strategy: { attackId: string };
          analytics: {
            analytic: { attackId: string };
            logSources: { dataComponent: { attackId: string }; name: string; channel: string }[];
          }[];
        }[];
      };
    }>(`{ detectionChain(technique: "T1003.001") { strategies { strategy { attackId }
      analytics { analytic { attackId } logSources { dataComponent { attackId } name channel } } } } }`);
    const technique = ref.byAttackId('attack-pattern', 'T1003.001');
    const strategies = ref.rels
      .filter((r) => r.relationship_type === 'detects' && r.target_ref === technique.id)
      .map((r) => ref.byId.get(r.source_ref) as Obj)
      .filter((s) => s.type === 'x-mitre-detection-strategy' && isCurrent(s));
    expect(sorted(data.detectionChain.strategies.map((s) => s.strategy.attackId))).toEqual(
      sorted(strategies.map((s) => attackIdOf(s) as string)),
    );
    for (const s of data.detectionChain.strategies) {
      const raw = strategies.find((x) => attackIdOf(x) === s.strategy.attackId) as Obj;
      const analytics = (raw.x_mitre_analytic_refs as string[])
        .map((a) => ref.byId.get(a) as Obj)
        .filter(isCurrent);
      expect(sorted(s.analytics.map((a) => a.analytic.attackId))).toEqual(
        sorted(analytics.map((a) => attackIdOf(a) as string)),
      );
      for (const a of s.analytics) {
        const rawA = analytics.find((x) => attackIdOf(x) === a.analytic.attackId) as Obj;
        const expected = new Set(
          ((rawA.x_mitre_log_source_references ?? []) as Obj[]).map(
            (l) => `${attackIdOf(ref.byId.get(l.x_mitre_data_component_ref) as Obj)}|${l.name}|${l.channel}`,
          ),
        );
        expect(
          new Set(a.logSources.map((l) => `${l.dataComponent.attackId}|${l.name}|${l.channel}`)),
        ).toEqual(expected);
      }
    }
  });

  it('finds the techniques detectable from a data component', async () => {
    const data = await ok<{
      detectableTechniques: { techniques: { technique: { attackId: string } }[]; unknownIds: string[] };
    }>(
      '{ detectableTechniques(logSources: [{ dataComponent: "DC0032" }, { dataComponent: "DC9999" }]) { techniques { technique { attackId } } unknownIds } }',
    );
    const dc = ref.byAttackId('x-mitre-data-component', 'DC0032');
    const analytics = new Set(
      ref
        .current('x-mitre-analytic')
        .filter((a) =>
          ((a.x_mitre_log_source_references ?? []) as Obj[]).some(
            (l) => l.x_mitre_data_component_ref === dc.id,
          ),
        )
        .map((a) => a.id),
    );
    const expected = new Set<string>();
    for (const s of ref.current('x-mitre-detection-strategy')) {
      if (!((s.x_mitre_analytic_refs ?? []) as string[]).some((a) => analytics.has(a))) continue;
      for (const t of ref.out(s.id, 'detects', 'attack-pattern'))
        expected.add(attackIdOf(ref.byId.get(t) as Obj) as string);
    }
    expect(data.detectableTechniques.techniques.map((t) => t.technique.attackId)).toEqual(sorted(expected));
    expect(data.detectableTechniques.unknownIds).toEqual(['DC9999']);
  });
});

describe('paths', () => {
  it('finds the shortest paths from a group to a mitigation, each step a real relationship', async () => {
    const data = await ok<{
      paths: {
        length: number;
        paths: {
          nodes: Ids;
          steps: {
            type: string;
            from: { attackId: string };
            to: { attackId: string };
            description: string | null;
          }[];
        }[];
      };
    }>(`{ paths(from: "G0016", to: "M1026", maxHops: 4, limit: 100) { length
      paths { nodes { attackId } steps { type from { attackId } to { attackId } description } } } }`);
    const uses = ref.groupTechniques().get('G0016') as Set<string>;
    const mitigated = ref.mitigations().get('M1026') as Set<string>;
    const via = [...uses].filter((t) => mitigated.has(t));
    expect(via.length).toBeGreaterThan(0);
    expect(data.paths.length).toBe(2);
    expect(sorted(data.paths.paths.map((p) => p.nodes[1]?.attackId as string))).toEqual(
      sorted(via).slice(0, 100),
    );
    for (const p of data.paths.paths) {
      expect(p.steps.map((s) => s.type)).toEqual(['USES', 'MITIGATES']);
      const technique = ref.byAttackId('attack-pattern', p.nodes[1]?.attackId as string);
      const group = ref.byAttackId('intrusion-set', 'G0016');
      const rel = ref.rels.find(
        (r) => r.source_ref === group.id && r.target_ref === technique.id && r.relationship_type === 'uses',
      );
      expect(p.steps[0]?.description).toBe(rel?.description?.trim() || null);
    }
  });

  it('refuses a hop limit out of range', async () => {
    const result = await app.gql('{ paths(from: "G0016", to: "M1026", maxHops: 7) { length } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toContain('maxHops');
  });
});
