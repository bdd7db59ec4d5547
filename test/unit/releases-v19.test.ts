/**
 * The v19 shape on a hand-written fixture pair (test/fixtures/v18-like-enterprise.json and
 * v19-like-enterprise.json): TA0005 renamed in place (Defense Evasion -> Stealth), TA0112 Defense
 * Impairment added with part of its techniques, T1685 and T1686 added, techniques revoked (one
 * through a revoked-by chain of two hops, one in favour of two new ones), one deprecated, one
 * renamed, and group APT28 merged into APT29. The expectations are what the fixture was built to do.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { transform } from '../../import/transform.ts';
import { validateObjects } from '../../import/validate.ts';
import {
  type Catalog,
  catalogFromBundle,
  LayerError,
  type MigratedItem,
  migrate,
  migrateLayer,
  releaseDiff,
} from '../../src/releases/index.ts';
import { fixturePath, V19_MIGRATION_ITEMS } from '../helpers/paths.ts';

const V18 = fixturePath('v18-like-enterprise.json');
const V19 = fixturePath('v19-like-enterprise.json');
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { objects: unknown[] };
const v18: Catalog = catalogFromBundle(json(V18), '18.1');
const v19: Catalog = catalogFromBundle(json(V19), '19.0');

const ids = (refs: { attackId: string | null }[] | undefined) => (refs ?? []).map((r) => r.attackId);
const one = (items: MigratedItem[], item: string) => {
  const found = items.find((m) => m.item === item);
  if (!found) throw new Error(`no outcome for ${item}`);
  return found;
};

describe('the v18-like and v19-like fixtures', () => {
  it.each([V18, V19])('pass the importer validation and transform without a problem (%s)', (file) => {
    const validated = validateObjects(json(file).objects);
    expect(validated.problems).toEqual([]);
    const rows = transform(validated.objects, 'enterprise-attack');
    expect(rows.problems).toEqual([]);
    expect(rows.nodes.length).toBe(validated.objects.filter((o) => o.type !== 'relationship').length);
  });

  it('give catalogs of the enterprise domain with tactics, revocations and usages', () => {
    expect(v19.domain).toBe('enterprise-attack');
    const ta0005 = v19.objects.find((o) => o.attackId === 'TA0005');
    expect(ta0005).toMatchObject({ name: 'Stealth', tactics: ['stealth'] });
    expect(v19.relationships.filter((r) => r.type === 'REVOKED_BY')).toHaveLength(6);
  });
});

describe('catalogFromBundle', () => {
  it('refuses what is not an ATT&CK bundle, naming the field', () => {
    expect(() => catalogFromBundle({ type: 'bundle', objects: [{ id: 'x' }] }, '1')).toThrow(
      /not a STIX bundle: objects\.0\.type/,
    );
    expect(() => catalogFromBundle([], '1')).toThrow(/not a STIX bundle/);
    expect(() => catalogFromBundle({ type: 'bundle', objects: [] }, '1')).toThrow(/names its domain/);
  });
});

describe('releaseDiff 18 -> 19 on the fixtures', () => {
  const diff = releaseDiff(v18, v19);
  const change = (attackId: string) => diff.objects.find((o) => o.attackId === attackId);

  it('renames TA0005 in place and adds TA0112, T1685 and T1686', () => {
    expect(change('TA0005')).toMatchObject({
      change: 'modified',
      versionChange: 'major',
      renamed: {
        fromAttackId: 'TA0005',
        toAttackId: 'TA0005',
        fromName: 'Defense Evasion',
        toName: 'Stealth',
      },
    });
    expect(change('TA0005')?.moved).toBeUndefined();
    for (const id of ['TA0112', 'T1685', 'T1686']) expect(change(id)?.change).toBe('added');
  });

  it('gives each revoked object the end of its revoked-by chain', () => {
    expect(ids(change('T1027')?.replacedBy)).toEqual(['T1685']);
    expect(ids(change('T1550')?.replacedBy)).toEqual(['T1686']);
    expect(ids(change('T1218')?.replacedBy).sort()).toEqual(['T1685', 'T1686']);
    expect(ids(change('G0007')?.replacedBy)).toEqual(['G0016']);
    expect(change('T1112')?.change).toBe('deprecated');
    // Revoked in both releases: touched, but no new revocation.
    expect(change('T1600')?.change).toBe('modified');
  });

  it('tells a move to another tactic from a tactic renamed in place', () => {
    expect(change('T1562')?.moved).toEqual({ from: ['defense-evasion'], to: ['defense-impairment'] });
    expect(change('T1562.001')?.moved).toEqual({ from: ['defense-evasion'], to: ['defense-impairment'] });
    expect(change('T1070')).toMatchObject({ change: 'modified' });
    expect(change('T1070')?.moved).toBeUndefined();
    expect(change('T1134')?.renamed).toMatchObject({ toName: 'Access Token Abuse' });
    expect(change('T1134')?.moved).toBeUndefined();
    expect(change('T1003')).toBeUndefined();
  });

  it('lists relationships added and removed by STIX id, labelled by ATT&CK ID, and counts them', () => {
    const rel = (change: string) =>
      diff.relationships
        .filter((r) => r.change === change)
        .map((r) => `${r.from} ${r.type} ${r.to}`)
        .sort();
    expect(rel('removed')).toEqual([
      'G0016 USES T1027',
      'G0016 USES T1070',
      'G0016 USES T1112',
      'G0016 USES T1550',
    ]);
    expect(rel('added')).toEqual([
      'G0007 REVOKED_BY G0016',
      'G0016 USES T1134',
      'G0016 USES T1685',
      'T1027 REVOKED_BY T1685',
      'T1218 REVOKED_BY T1685',
      'T1218 REVOKED_BY T1686',
      'T1550 REVOKED_BY T1686',
    ]);
    expect(diff.counts).toMatchObject({
      added: diff.objects.filter((o) => o.change === 'added').length,
      relationshipsAdded: 7,
      relationshipsRemoved: 4,
      moved: 2,
    });
  });
});

describe('releaseDiff narrowed to a group', () => {
  it('says what APT29 gained and lost, and why each was lost', () => {
    for (const name of ['APT29', 'g0016', 'Cozy Bear']) {
      const focus = releaseDiff(v18, v19, { group: name }).focus;
      const lost = (focus?.techniques?.lost ?? []).map((l) => [
        l.technique.attackId,
        l.reason,
        ids(l.replacedBy).join(),
        l.carriedOver,
      ]);
      expect(lost.sort()).toEqual([
        ['T1027', 'technique-revoked', 'T1685', true],
        ['T1070', 'usage-removed', '', false],
        ['T1112', 'technique-deprecated', '', false],
        ['T1550', 'technique-revoked', 'T1686', false],
      ]);
      const gained = (focus?.techniques?.gained ?? []).map((g) => [
        g.technique.attackId,
        g.reason,
        ids(g.via).join(),
      ]);
      expect(gained.sort()).toEqual([
        ['T1134', 'from-merged-group', 'G0007'],
        ['T1685', 'replaces-revoked', 'T1027'],
      ]);
    }
  });

  it('takes the group when a software shares its name', () => {
    const tool = {
      ...(v18.objects.find((o) => o.attackId === 'M1047') as Catalog['objects'][number]),
      stixId: 'tool--00000000-0000-4000-8000-000000000999',
      type: 'tool',
      attackId: 'S9999',
      name: 'APT29 toolkit',
      aliases: ['APT29'],
    };
    const withTool = (c: Catalog): Catalog => ({ ...c, objects: [tool, ...c.objects] });
    expect(releaseDiff(withTool(v18), withTool(v19), { group: 'apt29' }).focus?.subject.attackId).toBe(
      'G0016',
    );
  });

  it('follows a merged group to the group that replaced it', () => {
    const diff = releaseDiff(v18, v19, { group: 'APT28' });
    expect(diff.focus?.replacedBy?.attackId).toBe('G0016');
    // APT29 uses T1134 in 19: APT28's only technique carried over.
    expect(diff.focus?.techniques?.lost).toEqual([]);
    expect(diff.objects.map((o) => o.attackId)).toEqual(['G0007']);
    expect(diff.relationships.every((r) => [r.from, r.to].some((e) => e === 'G0016' || e === 'G0007'))).toBe(
      true,
    );
  });

  it('narrows to an object, and refuses an unknown subject or a technique as a group', () => {
    const diff = releaseDiff(v18, v19, { object: 'T1027' });
    expect(diff.objects.map((o) => `${o.attackId} ${o.change}`).sort()).toEqual([
      'T1027 revoked',
      'T1685 added',
    ]);
    expect(diff.relationships.map((r) => `${r.from} ${r.change}`).sort()).toEqual([
      'G0016 added',
      'G0016 removed',
      'T1027 added',
      'T1218 added',
    ]);
    expect(() => releaseDiff(v18, v19, { object: 'G9999' })).toThrow(/unknown object "G9999"/);
    expect(() => releaseDiff(v18, v19, { group: 'T1003' })).toThrow(/attack-pattern: a group/);
  });
});

describe('migrate 18 -> 19 on the fixtures', () => {
  const items = V19_MIGRATION_ITEMS;
  const out = migrate(items, v18, v19);

  it('gives every item one outcome, in order', () => {
    expect(out.map((m) => m.item)).toEqual(items);
  });

  it('keeps what did not change, and says what was renamed or moved', () => {
    expect(one(out, 'T1003')).toMatchObject({ outcome: 'unchanged', migrated: ['T1003'] });
    expect(one(out, 'G0016')).toMatchObject({ outcome: 'unchanged', migrated: ['G0016'] });
    expect(one(out, 'credential-access')).toMatchObject({
      outcome: 'unchanged',
      migrated: ['credential-access'],
    });
    // Its tactic was renamed in place: the technique stays where it was.
    expect(one(out, 'T1070')).toMatchObject({
      outcome: 'unchanged',
      tactics: { from: ['defense-evasion'], to: ['stealth'] },
    });
    expect(one(out, 'T1134')).toMatchObject({ outcome: 'renamed', migrated: ['T1134'] });
    expect(one(out, 'T1134').reason).toMatch(/Access Token Abuse/);
    expect(one(out, 'T1562.001')).toMatchObject({
      outcome: 'moved',
      tactics: { from: ['defense-evasion'], to: ['defense-impairment'] },
    });
  });

  it('follows the whole revoked-by chain, and asks for review at a fork', () => {
    expect(one(out, 'T1027')).toMatchObject({ outcome: 'replaced', migrated: ['T1685'] });
    const twoHops = one(out, 'T1600');
    expect(twoHops).toMatchObject({ outcome: 'replaced', migrated: ['T1686'] });
    expect(ids(twoHops.chain)).toEqual(['T1550', 'T1686']);
    expect(twoHops.reason).toMatch(/T1600 -> T1550 -> T1686/);
    const fork = one(out, 'T1218');
    expect(fork.outcome).toBe('needs-review');
    expect(ids(fork.to).sort()).toEqual(['T1685', 'T1686']);
    expect(one(out, 'attack.g0007')).toMatchObject({ outcome: 'replaced', migrated: ['attack.g0016'] });
    expect(one(out, 'attack.t1027')).toMatchObject({
      kind: 'sigma-tag',
      outcome: 'replaced',
      migrated: ['attack.t1685'],
    });
  });

  it('says deprecated, unknown in 18 but known in 19, and unknown in both', () => {
    expect(one(out, 'T1112')).toMatchObject({ outcome: 'deprecated', migrated: ['T1112'] });
    expect(one(out, 'T1685')).toMatchObject({ outcome: 'unknown-in-from', from: null, migrated: ['T1685'] });
    expect(one(out, 'T9999')).toMatchObject({ outcome: 'unknown', to: [], migrated: ['T9999'] });
  });

  it('asks for review of the split tactic, naming where its techniques went', () => {
    for (const item of ['TA0005', 'defense-evasion', 'attack.defense_evasion']) {
      const m = one(out, item);
      expect(m.outcome).toBe('needs-review');
      expect(ids(m.to)).toEqual(['TA0005', 'TA0112']);
      expect(m.reason).toMatch(/Defense Evasion is now TA0005 Stealth/);
      expect(m.reason).toMatch(/3 of its techniques moved to the new tactic TA0112 Defense Impairment/);
    }
    expect(one(out, 'defense-evasion').migrated).toEqual(['stealth', 'defense-impairment']);
    expect(one(out, 'TA0005').migrated).toEqual(['TA0005', 'TA0112']);
    expect(one(out, 'attack.defense_evasion').migrated).toEqual([
      'attack.stealth',
      'attack.defense-impairment',
    ]);
  });

  it('asks for review of an object gone from 19, naming the object that carries its ID now', () => {
    const reissued = {
      ...v19,
      objects: v19.objects.map((o) =>
        o.attackId === 'T1003' ? { ...o, stixId: 'attack-pattern--reissued' } : o,
      ),
    };
    const [gone] = migrate(['T1003'], v18, reissued);
    expect(gone).toMatchObject({ outcome: 'needs-review', to: [{ stixId: 'attack-pattern--reissued' }] });
    expect(gone?.reason).toMatch(/is not in release 19.0; its ATT&CK ID now names another object/);
    const [none] = migrate(['T1003'], v18, {
      ...v19,
      objects: v19.objects.filter((o) => o.attackId !== 'T1003'),
    });
    expect(none).toMatchObject({ outcome: 'needs-review', to: [], migrated: ['T1003'] });
  });

  it('names the ends of a fork in one order, however the catalog lists its relationships', () => {
    const reversed = { ...v19, relationships: [...v19.relationships].reverse() };
    for (const to of [v19, reversed])
      expect(one(migrate(['T1218'], v18, to), 'T1218').migrated).toEqual(['T1685', 'T1686']);
  });

  it('migrates a release to itself as unchanged', () => {
    const same = migrate(['T1685', 'stealth', 'T1562.001', 'G0016'], v19, v19);
    expect(same.map((m) => m.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
  });

  it('refuses catalogs of two domains', () => {
    expect(() => migrate(['T1003'], v18, { ...v19, domain: 'mobile-attack' })).toThrow(/one domain/);
  });
});

describe('migrateLayer 18 -> 19 on the fixtures', () => {
  const entry = (techniqueID: string, extra: Record<string, unknown> = {}) => ({ techniqueID, ...extra });
  const layer = {
    name: 'saved work',
    versions: { attack: '18', navigator: '4.8.2', layer: '4.3' },
    domain: 'enterprise-attack',
    description: 'detections',
    filters: { platforms: ['Windows'] },
    gradient: { colors: ['#ff6666', '#8ec843'], minValue: 0, maxValue: 10 },
    techniques: [
      entry('T1027', {
        tactic: 'defense-evasion',
        score: 7,
        color: '#ff0000',
        comment: 'rule 12',
        enabled: false,
        showSubtechniques: true,
        metadata: [{ name: 'owner', value: 'soc' }],
        links: [{ label: 'rule', url: 'https://example.org/12' }],
        customField: 'kept',
      }),
      entry('T1070', { tactic: 'defense-evasion', score: 1 }),
      entry('T1562.001', { tactic: 'defense-evasion', score: 2 }),
      entry('T1003', { score: 3 }),
      entry('T1218', { tactic: 'defense-evasion', score: 4 }),
      entry('T1550', { tactic: 'defense-evasion', score: 5 }),
      entry('T1600', { tactic: 'defense-evasion', score: 6 }),
    ],
  };
  const { layer: out, entries } = migrateLayer(JSON.stringify(layer), v18, v19);
  const at = (id: string, tactic?: string) =>
    out.techniques.filter((t) => t.techniqueID === id && (tactic === undefined || t.tactic === tactic));
  const note = (t: { metadata?: ({ name: string; value: string } | { divider: boolean })[] }, name: string) =>
    (t.metadata ?? []).flatMap((m) => ('name' in m && m.name === name ? [m.value] : []));

  it('writes layer format 4.5 for the newer release and keeps the layer fields', () => {
    expect(out.versions).toMatchObject({ layer: '4.5', attack: '19' });
    expect(out).toMatchObject({
      name: 'saved work',
      description: 'detections',
      filters: layer.filters,
      gradient: layer.gradient,
    });
    expect(note(out, 'migration')[0]).toMatch(/ATT&CK 18.1 -> 19.0: .*replaced/);
    expect(entries.map((e) => e.item)).toEqual(layer.techniques.map((t) => t.techniqueID));
  });

  it('keeps score, colour, comment, metadata, links, enabled and showSubtechniques, and records the outcome', () => {
    const [t] = at('T1685');
    expect(t).toMatchObject({
      tactic: 'stealth',
      score: 7,
      color: '#ff0000',
      comment: 'rule 12',
      enabled: false,
      showSubtechniques: true,
      links: [{ label: 'rule', url: 'https://example.org/12' }],
      customField: 'kept',
    });
    expect(note(t ?? {}, 'owner')).toEqual(['soc']);
    expect(note(t ?? {}, 'migration')).toEqual(['replaced']);
    expect(note(t ?? {}, 'migration from')).toEqual(['T1027 (defense-evasion), ATT&CK 18.1']);
  });

  it('puts each technique under its tactic in 19: renamed in place, or moved', () => {
    expect(at('T1070').map((t) => t.tactic)).toEqual(['stealth']);
    expect(at('T1562.001').map((t) => [t.tactic, t.score])).toEqual([['defense-impairment', 2]]);
    expect(at('T1003')[0]?.tactic).toBeUndefined();
    expect(note(at('T1003')[0] ?? {}, 'migration')).toEqual(['unchanged']);
    // Needs review: left as it was, with the reason.
    expect(at('T1218').map((t) => [t.tactic, note(t, 'migration')[0]])).toEqual([
      ['defense-evasion', 'needs-review'],
    ]);
  });

  it('merges two entries that land on one technique and tactic, keeping both notes', () => {
    const merged = at('T1686');
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({ tactic: 'defense-impairment', score: 5 });
    expect(note(merged[0] ?? {}, 'migration from')).toEqual([
      'T1550 (defense-evasion), ATT&CK 18.1',
      'T1600 (defense-evasion), ATT&CK 18.1',
    ]);
  });

  it('refuses what is not a layer of the domain, naming the field', () => {
    const fails = (input: unknown) => {
      try {
        migrateLayer(input, v18, v19);
      } catch (e) {
        if (e instanceof LayerError) return [e.field, e.message];
        throw e;
      }
      throw new Error('accepted');
    };
    expect(fails('{"name": ')).toEqual(['layer', expect.stringMatching(/^layer: not JSON/)]);
    expect(fails('[]')).toEqual(['layer', expect.stringMatching(/expected one JSON object, got an array/)]);
    expect(fails({ ...layer, versions: undefined, version: '3.0' })[0]).toBe('layer.version');
    expect(fails({ ...layer, versions: { layer: '5.0' } })[0]).toBe('layer.versions.layer');
    expect(fails({ ...layer, techniques: [{ score: 1 }] })[0]).toBe('layer.techniques[0].techniqueID');
    expect(fails({ ...layer, domain: 'mobile-attack' })).toEqual([
      'layer.domain',
      'layer.domain: a layer for enterprise-attack was expected, this one is for mobile-attack',
    ]);
  });
});
