/**
 * Navigator layer building, without a database: a groups layer built from the ICS bundle's raw JSON
 * (who uses what), and the layer rules for sub-techniques and gradients.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildLayer, type LayerSpec } from '../../src/navigator/layer.ts';
import { groupsLayer, type LayerTechniqueInfo, type Named } from '../../src/navigator/result-layers.ts';
import { bundlePath } from '../helpers/paths.ts';
import { attackIdOf, type StixObject } from '../helpers/stix.ts';

// biome-ignore lint/suspicious/noExplicitAny: raw STIX JSON, read the way a script would
type Obj = Record<string, any>;
const objects: (StixObject & Obj & { name: string })[] = JSON.parse(
  readFileSync(bundlePath('ics-attack-18.1'), 'utf8'),
).objects;
const current = (o: Obj) => !o.revoked && !o.x_mitre_deprecated;

const catalog = new Map<string, LayerTechniqueInfo>(
  objects
    .filter((o) => o.type === 'attack-pattern' && current(o))
    .map((o) => [
      o.id,
      {
        stixId: o.id,
        attackId: attackIdOf(o),
        name: o.name,
        parent: null,
        tactics: (o.kill_chain_phases ?? []).map((p: Obj) => p.phase_name),
      },
    ]),
);
const groups: Named[] = objects
  .filter((o) => o.type === 'intrusion-set' && current(o))
  .map((o) => ({ stixId: o.id, attackId: attackIdOf(o), name: o.name }));
/** group -> technique -> how it is used: here only directly, as the raw `uses` relationships say. */
const usage = new Map<string, Map<string, string[]>>();
for (const { type, relationship_type, source_ref: from, target_ref: to } of objects) {
  if (type !== 'relationship' || relationship_type !== 'uses' || !from || !to || !catalog.has(to)) continue;
  const of = usage.get(from) ?? new Map<string, string[]>();
  of.set(to, ['DIRECT']);
  usage.set(from, of);
}
const ctx = { domain: 'ics-attack', attackVersion: '18.1', catalog };

describe('a groups layer from the ICS bundle', () => {
  const users = groups.filter((g) => usage.has(g.stixId));

  it('scores each technique by how many of the groups use it, once per tactic', () => {
    // Without two groups sharing a technique, the scores would all be 1 and prove little.
    expect(users.length).toBeGreaterThan(1);
    const layer = groupsLayer(ctx, users, usage, ['DIRECT']);
    const expected: { id: string; tactic: string; score: number }[] = [];
    for (const t of catalog.values()) {
      const score = users.filter((g) => usage.get(g.stixId)?.has(t.stixId)).length;
      if (score && t.attackId)
        for (const tactic of t.tactics) expected.push({ id: t.attackId, tactic, score });
    }
    const key = (e: { id: string; tactic: string }) => `${e.id} ${e.tactic}`;
    const got = layer.techniques.map((e) => ({
      id: e.techniqueID,
      tactic: e.tactic ?? '',
      score: e.score ?? 0,
    }));
    expect(got.sort((a, b) => (key(a) < key(b) ? -1 : 1))).toEqual(
      expected.sort((a, b) => (key(a) < key(b) ? -1 : 1)),
    );
    expect(Math.max(...got.map((e) => e.score))).toBeGreaterThan(1);
    expect(layer.gradient.maxValue).toBe(users.length);
    expect(layer.versions.attack).toBe('18');
    expect(layer.metadata).toHaveLength(users.length);
  });

  it('names a single group and colours its techniques with one score', () => {
    const [group] = users;
    if (!group) throw new Error('no ICS group uses a technique');
    const layer = groupsLayer(ctx, [group], usage, ['DIRECT']);
    expect(layer.name).toContain(group.name);
    expect(new Set(layer.techniques.map((e) => e.score))).toEqual(new Set([1]));
    expect(new Set(layer.techniques.map((e) => e.techniqueID)).size).toBe(usage.get(group.stixId)?.size);
    // The Navigator refuses a gradient whose maximum is not above its minimum.
    expect(layer.gradient.maxValue).toBeGreaterThan(layer.gradient.minValue);
  });
});

describe('buildLayer', () => {
  const spec = (annotations: LayerSpec['annotations']): LayerSpec => ({
    name: 'n',
    description: 'd',
    domain: 'enterprise-attack',
    attackVersion: null,
    annotations,
    gradient: { colors: ['#ffffff', '#ff6666'], minValue: 0, maxValue: 0 },
  });

  it('opens the parent of an annotated sub-technique, adding it when it is not annotated itself', () => {
    const layer = buildLayer(
      spec([
        { attackId: 'T1059.001', tactics: ['execution'], parentAttackId: 'T1059', score: 1 },
        { attackId: 'T1003.001', tactics: ['credential-access'], parentAttackId: 'T1003', score: 1 },
        { attackId: 'T1003', tactics: ['credential-access'], parentAttackId: null, score: 2 },
      ]),
    );
    const entry = (id: string) => layer.techniques.filter((e) => e.techniqueID === id);
    expect(entry('T1059')).toEqual([{ techniqueID: 'T1059', enabled: true, showSubtechniques: true }]);
    expect(entry('T1003')).toEqual([
      { techniqueID: 'T1003', tactic: 'credential-access', enabled: true, score: 2, showSubtechniques: true },
    ]);
    expect(entry('T1059.001')[0]?.showSubtechniques).toBeUndefined();
  });

  it('writes one entry per tactic, sorted, and no ATT&CK version it does not know', () => {
    const layer = buildLayer(
      spec([{ attackId: 'T1078', tactics: ['persistence', 'initial-access'], parentAttackId: null }]),
    );
    expect(layer.techniques.map((e) => e.tactic)).toEqual(['initial-access', 'persistence']);
    expect(layer.versions.attack).toBeUndefined();
    expect(layer.gradient.maxValue).toBeGreaterThan(layer.gradient.minValue);
  });
});
