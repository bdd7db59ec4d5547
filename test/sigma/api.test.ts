/**
 * Sigma rules over the API, on the real enterprise 18.1 graph with the 349 real rules imported:
 * the rule fields, `Technique.detectionRules` (batched), and coverage from the rules, checked
 * against the raw YAML files and the raw STIX bundle, and the rule upload over HTTP.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importAtomic } from '../../import/atomic/index.ts';
import { importSigma } from '../../import/sigma/index.ts';
import { appWithBundles, type TestApp } from '../helpers/app.ts';
import { rawTestsByTechnique } from '../helpers/atomic.ts';
import { atomicDir, SIGMA_DIR } from '../helpers/paths.ts';
import { attackIdOf, type Obj, Reference } from '../helpers/reference.ts';
import { type RawRule, rawRulesPerTechnique, readRawRules } from '../helpers/sigma-reference.ts';

let app: TestApp;
const raw = readRawRules(SIGMA_DIR);
const ref = new Reference('enterprise-attack-18.1');
const sorted = (xs: Iterable<string>) => [...xs].sort();

beforeAll(async () => {
  app = await appWithBundles(['enterprise-attack-18.1']);
  await importSigma(app.db.executor, SIGMA_DIR, { maxBytes: 50_000_000 });
  await importAtomic(app.db.executor, `atomic:${atomicDir()}`);
}, 900_000);
afterAll(() => app.close());

async function ok<T>(query: string, variables?: Record<string, unknown>) {
  const res = await app.gql<T>(query, variables);
  expect(res.errors).toBeUndefined();
  return { data: res.data as T, roundTrips: res.extensions?.dbRoundTrips ?? 0 };
}

/** The 18.1 techniques, independently of the importer: current ones, their parents and tactics. */
const techniques = new Map<string, { parent: string | null; tactics: string[] }>();
for (const o of ref.current('attack-pattern')) {
  const id = attackIdOf(o);
  if (!id) continue;
  techniques.set(id, {
    parent: id.includes('.') ? (id.split('.')[0] ?? null) : null,
    tactics: (o.kill_chain_phases ?? []).map((k: Obj) => k.phase_name),
  });
}

describe('rules over GraphQL', () => {
  it('sigmaRules filters by level and product, as the raw files say', async () => {
    const { data } = await ok<{ sigmaRules: { totalCount: number; nodes: { path: string }[] } }>(
      `{ sigmaRules(filter: { level: ["critical", "high"], product: ["windows"] }, first: 1000) { totalCount nodes { path } } }`,
    );
    const expected = raw.filter(
      (r) => (r.level === 'critical' || r.level === 'high') && r.product === 'windows',
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(sorted(data.sigmaRules.nodes.map((n) => n.path))).toEqual(sorted(expected.map((r) => r.path)));
    expect(data.sigmaRules.totalCount).toBe(expected.length);
  });

  it('Technique.detectionRules lists the rules per technique, batched: one round trip per level', async () => {
    const perTechnique = rawRulesPerTechnique(raw);
    const { data, roundTrips } = await ok<{
      techniques: {
        nodes: { attackId: string; detectionRules: { path: string; techniqueIds: string[] }[] }[];
      };
    }>(`{ techniques(first: 1000) { nodes { attackId detectionRules { path techniqueIds } } } }`);
    expect(roundTrips).toBeLessThanOrEqual(3);
    const got = new Map(data.techniques.nodes.map((t) => [t.attackId, t.detectionRules.length]));
    for (const [id, count] of perTechnique) if (techniques.has(id)) expect(got.get(id), id).toBe(count);
    for (const t of data.techniques.nodes)
      for (const r of t.detectionRules) expect(r.techniqueIds).toContain(t.attackId);
  });

  it('a rule names its unknown IDs per release, and its known techniques', async () => {
    const withUnknown = raw.find((r) => r.techniques.some((t) => !techniques.has(t)));
    expect(withUnknown).toBeDefined();
    const rule = withUnknown as RawRule;
    const { data } = await ok<{
      sigmaRule: { title: string; techniques: { attackId: string }[]; unknownTechniqueIds: string[] };
    }>(
      `query ($key: String!) { sigmaRule(pack: "sigma", key: $key) { title techniques { attackId } unknownTechniqueIds } }`,
      {
        key: rule.path,
      },
    );
    expect(data.sigmaRule.title).toBe(rule.title);
    expect(sorted(data.sigmaRule.unknownTechniqueIds)).toEqual(
      sorted(rule.techniques.filter((t) => !techniques.has(t))),
    );
    expect(sorted(data.sigmaRule.techniques.map((t) => t.attackId))).toEqual(
      sorted(rule.techniques.filter((t) => techniques.has(t))),
    );
  });
});

describe('coverage from the imported rules', () => {
  const named = new Set(raw.flatMap((r) => r.techniques));
  const subsOf = (p: string) => [...techniques].filter(([, t]) => t.parent === p).map(([id]) => id);
  // A rule covers exactly what it names; a parent all of whose sub-techniques are covered is covered.
  const covered = new Set(
    [...techniques.keys()].filter(
      (id) => named.has(id) || (subsOf(id).length > 0 && subsOf(id).every((s) => named.has(s))),
    ),
  );
  const groupsUse = (() => {
    const used = new Set<string>();
    for (const g of ref.current('intrusion-set'))
      for (const t of ref.out(g.id, 'uses', 'attack-pattern')) {
        const id = attackIdOf(ref.byId.get(t) as Obj);
        if (id && techniques.has(id)) {
          used.add(id);
          const parent = techniques.get(id)?.parent;
          if (parent) used.add(parent);
        }
      }
    return used;
  })();

  it('covers the known techniques the tags name; its gaps are the group-used techniques outside it', async () => {
    const { data } = await ok<{
      coverageGaps: {
        ruleCount: number;
        unknownIds: string[];
        tactics: {
          tactic: { shortname: string };
          covered: { attackId: string }[];
          uncovered: { technique: { attackId: string }; groupCount: number }[];
        }[];
      };
    }>(`{ coverageGaps(rules: {}) { ruleCount unknownIds tactics { tactic { shortname } covered { attackId }
         uncovered { technique { attackId } groupCount } } } }`);
    const c = data.coverageGaps;
    expect(c.ruleCount).toBe(349);
    expect(sorted(c.unknownIds)).toEqual(sorted([...named].filter((id) => !techniques.has(id))));
    const gotCovered = new Set(c.tactics.flatMap((t) => t.covered.map((x) => x.attackId)));
    expect(sorted(gotCovered)).toEqual(sorted(covered));
    for (const t of c.tactics) {
      const inTactic = [...techniques]
        .filter(([, x]) => x.tactics.includes(t.tactic.shortname))
        .map(([id]) => id);
      expect(sorted(t.covered.map((x) => x.attackId))).toEqual(
        sorted(inTactic.filter((id) => covered.has(id))),
      );
    }
    const gaps = new Set(
      c.tactics.flatMap((t) => t.uncovered.filter((u) => u.groupCount > 0).map((u) => u.technique.attackId)),
    );
    expect(sorted(gaps)).toEqual(sorted([...groupsUse].filter((id) => !covered.has(id))));
  });

  it('lists the rules that cover each technique; a parent`s rule covers sub-techniques only when asked', async () => {
    const q = `query ($p: Boolean) { coverageGaps(rules: { level: ["high", "critical"] }, parentCoversSubtechniques: $p) {
      covered tactics { coveredTechniques { technique { attackId } rules { path } } } } }`;
    type R = {
      coverageGaps: {
        covered: number;
        tactics: { coveredTechniques: { technique: { attackId: string }; rules: { path: string }[] }[] }[];
      };
    };
    const exact = (await ok<R>(q, { p: false })).data.coverageGaps;
    const high = raw.filter((r) => r.level === 'high' || r.level === 'critical');
    for (const t of exact.tactics)
      for (const ct of t.coveredTechniques) {
        const own = high.filter((r) => r.techniques.includes(ct.technique.attackId)).map((r) => r.path);
        if (own.length) expect(sorted(ct.rules.map((r) => r.path))).toEqual(sorted(own));
        else expect(ct.rules.length).toBeGreaterThan(0); // Covered through all its sub-techniques.
      }
    const wide = (await ok<R>(q, { p: true })).data.coverageGaps;
    const parents = new Set(
      high.flatMap((r) => r.techniques).filter((id) => techniques.has(id) && subsOf(id).length > 0),
    );
    const extra = [...parents].flatMap(subsOf).filter((s) => !high.some((r) => r.techniques.includes(s)));
    expect(extra.length).toBeGreaterThan(0);
    expect(wide.covered).toBeGreaterThan(exact.covered);
  });

  it('names the log sources that would detect each gap, as detectionChain does', async () => {
    const { data } = await ok<{
      coverageGaps: {
        tactics: {
          uncovered: {
            technique: { attackId: string };
            logSources: {
              dataComponent: { attackId: string };
              name: string | null;
              channel: string | null;
            }[];
          }[];
        }[];
      };
    }>(`{ coverageGaps(rules: {}, groups: ["G0016"]) { tactics { uncovered { technique { attackId }
         logSources { dataComponent { attackId } name channel } } } } }`);
    const gap = data.coverageGaps.tactics.flatMap((t) => t.uncovered).find((u) => u.logSources.length > 0);
    expect(gap).toBeDefined();
    const id = gap?.technique.attackId;
    const chain = await ok<{
      detectionChain: {
        logSources: { dataComponent: { attackId: string }; name: string | null; channel: string | null }[];
      };
    }>(
      `query ($id: String!) { detectionChain(technique: $id) { logSources { dataComponent { attackId } name channel } } }`,
      { id },
    );
    const key = (l: { dataComponent: { attackId: string }; name: string | null; channel: string | null }) =>
      `${l.dataComponent.attackId}|${l.name}|${l.channel}`;
    expect(sorted(new Set(gap?.logSources.map(key)))).toEqual(
      sorted(new Set(chain.data.detectionChain.logSources.map(key))),
    );
  });
});

describe('the Atomic tests of each gap', () => {
  it('are the tests the raw Windows index gives for exactly that technique', async () => {
    const { data } = await ok<{
      coverageGaps: {
        tactics: { uncovered: { technique: { attackId: string }; atomicTests: { guid: string }[] }[] }[];
      };
    }>(`{ coverageGaps(rules: {}, groups: ["G0016"], platform: "Windows") { tactics { uncovered {
         technique { attackId } atomicTests { guid } } } } }`);
    const raw = rawTestsByTechnique('windows-index.csv');
    const gaps = data.coverageGaps.tactics.flatMap((t) => t.uncovered);
    expect(gaps.some((g) => g.atomicTests.length > 0)).toBe(true);
    for (const g of gaps)
      expect(sorted(g.atomicTests.map((x) => x.guid.toLowerCase())), g.technique.attackId).toEqual(
        sorted(raw.get(g.technique.attackId) ?? []),
      );
  });
});

describe('uploaded rule files', () => {
  const text = (r: RawRule) => readFileSync(path.join(SIGMA_DIR, r.path), 'utf8');

  it('cover what their tags name, over GraphQL and POST /layers/coverage-rules.json', async () => {
    const rules = raw.filter((r) => r.techniques.some((t) => techniques.has(t))).slice(0, 10);
    const body = rules.map(text).join('\n---\n');
    const response = await app.yoga.fetch('http://test/layers/coverage-rules.json?name=ten.yml', {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body,
    });
    expect(response.status).toBe(200);
    const layer = (await response.json()) as {
      techniques: { techniqueID: string; score?: number; comment?: string }[];
    };
    const named = new Set(rules.flatMap((r) => r.techniques).filter((t) => techniques.has(t)));
    const { data } = await ok<{ coverageGaps: { tactics: { covered: { attackId: string }[] }[] } }>(
      `query ($f: [SigmaRuleFile!]) { coverageGaps(ruleFiles: $f) { tactics { covered { attackId } } } }`,
      { f: [{ path: 'ten.yml', text: body }] },
    );
    const got = new Set(data.coverageGaps.tactics.flatMap((t) => t.covered.map((c) => c.attackId)));
    for (const id of named) {
      expect(got.has(id), id).toBe(true);
      expect(
        layer.techniques.some((t) => t.techniqueID === id),
        id,
      ).toBe(true);
    }
  });

  it('bad files name the file, line and field; an over-size upload is 413', async () => {
    const bad = await app.gql(`query ($f: [SigmaRuleFile!]) { coverageGaps(ruleFiles: $f) { covered } }`, {
      f: [
        {
          path: 'x.yml',
          text: 'title: t\nlogsource:\n  product: windows\ndetection:\n  a: 1\n  condition: a\ntags:\n  - attack.t1003.1\n',
        },
      ],
    });
    expect(bad.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      file: 'x.yml',
      line: 8,
      field: 'tags[0]',
    });
    const notSigma = await app.yoga.fetch('http://test/layers/coverage-rules.json?name=ci.yml', {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: 'name: ci\non: push\n',
    });
    expect(notSigma.status).toBe(400);
    expect(await notSigma.json()).toMatchObject({ file: 'ci.yml', line: 1, field: 'title' });
    const big = await app.yoga.fetch('http://test/layers/coverage-rules.json', {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: raw.map(text).join('\n---\n'),
    });
    expect(big.status).toBe(413);
  });
});
