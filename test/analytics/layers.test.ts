/** Navigator layers: the format's required fields and value ranges, and the HTTP download route. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWithBundles, type TestApp } from '../helpers/app.ts';
import { Reference } from '../helpers/reference.ts';

let app: TestApp;
let ref: Reference;

beforeAll(async () => {
  app = await appWithBundles(['enterprise-attack-18.1']);
  ref = new Reference('enterprise-attack-18.1');
}, 300_000);
afterAll(() => app?.close());

// biome-ignore lint/suspicious/noExplicitAny: a layer is checked as the Navigator would read it
type Json = Record<string, any>;
const HEX = /^#[0-9a-fA-F]{6}$/;

/** Problems with a layer against the layer format 4.5 spec (required fields, types, ranges). */
function layerProblems(layer: Json, tactics: Set<string>): string[] {
  const p: string[] = [];
  if (typeof layer.name !== 'string' || !layer.name) p.push('name');
  if (!['enterprise-attack', 'mobile-attack', 'ics-attack'].includes(layer.domain)) p.push('domain');
  if (layer.versions?.layer !== '4.5') p.push('versions.layer');
  const [major, minor] = String(layer.versions?.navigator).split('.').map(Number);
  if (!(Number(major) > 4 || (major === 4 && Number(minor) >= 9))) p.push('versions.navigator >= 4.9.0');
  if (layer.versions?.attack !== undefined && !/^\d+$/.test(layer.versions.attack)) p.push('versions.attack');
  if (![0, 1, 2, 3].includes(layer.sorting)) p.push('sorting');
  const g = layer.gradient;
  if (!Array.isArray(g?.colors) || g.colors.length < 2 || !g.colors.every((c: string) => HEX.test(c)))
    p.push('gradient.colors');
  if (typeof g?.minValue !== 'number' || typeof g?.maxValue !== 'number' || !(g.maxValue > g.minValue))
    p.push('gradient range');
  for (const item of layer.legendItems ?? [])
    if (typeof item.label !== 'string' || !HEX.test(item.color)) p.push('legendItem');
  for (const m of layer.metadata ?? [])
    if (typeof m.name !== 'string' || typeof m.value !== 'string') p.push('metadata');
  if (!Array.isArray(layer.techniques)) p.push('techniques');
  for (const t of layer.techniques ?? []) {
    if (!/^T\d{4}(\.\d{3})?$/.test(t.techniqueID)) p.push(`techniqueID ${t.techniqueID}`);
    if (t.tactic !== undefined && !tactics.has(t.tactic)) p.push(`tactic ${t.tactic}`);
    if (t.score !== undefined && typeof t.score !== 'number') p.push(`score ${t.techniqueID}`);
    if (t.color !== undefined && !HEX.test(t.color)) p.push(`color ${t.techniqueID}`);
    if (t.enabled !== undefined && typeof t.enabled !== 'boolean') p.push(`enabled ${t.techniqueID}`);
    if (t.comment !== undefined && typeof t.comment !== 'string') p.push(`comment ${t.techniqueID}`);
  }
  return p;
}

describe('Navigator layers', () => {
  const tactics = () => new Set(ref.current('x-mitre-tactic').map((t) => t.x_mitre_shortname as string));

  it('lays out a set of groups, one entry per technique and tactic, score = how many of them use it', async () => {
    const result = await app.gql<{ groupsLayer: { layer: Json; unknownIds: string[] } }>(
      '{ groupsLayer(groups: ["G0016", "G0007", "G9999"]) { layer unknownIds } }',
    );
    expect(result.errors).toBeUndefined();
    const layer = result.data?.groupsLayer.layer as Json;
    expect(layerProblems(layer, tactics())).toEqual([]);
    expect(result.data?.groupsLayer.unknownIds).toEqual(['G9999']);
    expect(layer.versions.attack).toBe('18');
    const sets = ref.groupTechniques();
    const catalog = ref.catalog();
    const expected: string[] = [];
    for (const [t, info] of catalog) {
      const score = ['G0016', 'G0007'].filter((g) => sets.get(g)?.has(t)).length;
      if (score) for (const tactic of info.tactics) expected.push(`${t}|${tactic}|${score}`);
    }
    const scored = (layer.techniques as Json[]).filter((t) => t.score !== undefined);
    expect(scored.map((t) => `${t.techniqueID}|${t.tactic}|${t.score}`).sort()).toEqual(expected.sort());
    expect(layer.gradient).toMatchObject({ minValue: 0, maxValue: 2 });
  });

  it('draws coverage and mitigation plans as valid layers', async () => {
    const result = await app.gql<{ coverageLayer: { layer: Json }; mitigationPlanLayer: { layer: Json } }>(
      `{ coverageLayer(detected: ["T1003", "T1059"]) { layer } mitigationPlanLayer(groups: ["G0016"], max: 5) { layer } }`,
    );
    expect(result.errors).toBeUndefined();
    const coverage = result.data?.coverageLayer.layer as Json;
    expect(layerProblems(coverage, tactics())).toEqual([]);
    const covered = new Set(
      (coverage.techniques as Json[]).filter((t) => t.comment === 'Covered').map((t) => t.techniqueID),
    );
    const catalog = ref.catalog();
    const expectedCovered = [...catalog].filter(
      ([id, c]) => ['T1003', 'T1059'].includes(id) || ['T1003', 'T1059'].includes(c.parent ?? ''),
    );
    expect([...covered].sort()).toEqual(expectedCovered.map(([id]) => id).sort());
    const plan = result.data?.mitigationPlanLayer.layer as Json;
    expect(layerProblems(plan, tactics())).toEqual([]);
    const target = ref.groupTechniques().get('G0016') as Set<string>;
    const annotated = new Set((plan.techniques as Json[]).filter((t) => t.comment).map((t) => t.techniqueID));
    expect(annotated).toEqual(new Set([...target].filter((t) => (catalog.get(t)?.tactics.length ?? 0) > 0)));
    for (const t of plan.techniques as Json[])
      if (t.score !== undefined) expect(t.score).toBeGreaterThanOrEqual(1);
  });

  it('serves a layer over plain HTTP for the Navigator to open by URL', async () => {
    const response = await app.yoga.fetch('http://test/layers/groups/G0016.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const layer = (await response.json()) as Json;
    expect(layerProblems(layer, tactics())).toEqual([]);
    const techniques = ref.groupTechniques().get('G0016') as Set<string>;
    expect(
      new Set((layer.techniques as Json[]).filter((t) => t.score === 1).map((t) => t.techniqueID)),
    ).toEqual(new Set([...techniques].filter((t) => (ref.catalog().get(t)?.tactics.length ?? 0) > 0)));

    const unknown = await app.yoga.fetch('http://test/layers/groups/G9999.json');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ unknownIds: ['G9999'] });
    const bad = await app.yoga.fetch('http://test/layers/mitigation-plan.json?groups=G0016&max=1000');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toContain('max');
    const coverage = await app.yoga.fetch('http://test/layers/coverage.json?detected=T1003,T1059.001');
    expect(coverage.status).toBe(200);
  });
});
