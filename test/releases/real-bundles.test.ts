/**
 * Release diffs and migrations on the real bundles (read from ATTACK_DATA_DIR, never copied), each
 * checked against an answer this file computes on its own from the raw JSON.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type Catalog, catalogFromBundle, migrate, releaseDiff } from '../../src/releases/index.ts';
import { byId, current, expectedOutcomes, type Raw } from '../helpers/migration-oracle.ts';
import { bundlePath } from '../helpers/paths.ts';
import { attackIdOf } from '../helpers/stix.ts';

const loaded = new Map<string, { raw: Raw[]; catalog: Catalog }>();
/** Each bundle is read once per file, however many tests use it. */
function release(name: string) {
  const found = loaded.get(name);
  if (found) return found;
  const json = JSON.parse(readFileSync(bundlePath(name), 'utf8')) as { objects: Raw[] };
  const made = { raw: json.objects, catalog: catalogFromBundle(json, name.replace(/^.*-/, '')) };
  loaded.set(name, made);
  return made;
}

describe('migrating every technique ID of enterprise 6.3 to 18.1', () => {
  it('gives each the outcome the raw 18.1 revoked-by relationships, deprecations and tactics give', () => {
    const old = release('enterprise-attack-6.3');
    const now = release('enterprise-attack-18.1');
    const techniques = old.raw.filter((o) => o.type === 'attack-pattern');
    const ids = techniques.map((t) => attackIdOf(t) as string);
    const got = migrate(ids, old.catalog, now.catalog);
    const expected = expectedOutcomes(techniques, old.raw, now.raw);
    expect(got.map((m) => [m.item, m.outcome, m.to.map((r) => r.attackId)])).toEqual(
      expected.map((e, i) => [ids[i], e.outcome, e.to]),
    );
    expect(got.map((m) => m.chain.length)).toEqual(expected.map((e) => e.hops));
    // The data has each case this test is about: revocations, chains of two hops, deprecations.
    const outcomes = new Set(got.map((m) => m.outcome));
    for (const o of ['replaced', 'deprecated', 'unchanged']) expect(outcomes).toContain(o);
    expect(expected.some((e) => e.hops === 2)).toBe(true);
  }, 60_000);
});

/** What a release says about an object in its domain: no domain list, and `false` or empty is absent. */
const content = (o: Raw) =>
  Object.fromEntries(
    Object.entries(o).filter(
      ([k, v]) =>
        k !== 'x_mitre_domains' && v !== false && v !== '' && v != null && !(Array.isArray(v) && !v.length),
    ),
  );

describe('releaseDiff enterprise 17.1 -> 18.1', () => {
  const RELATIONSHIPS = new Set([
    'uses',
    'mitigates',
    'subtechnique-of',
    'attributed-to',
    'detects',
    'targets',
    'revoked-by',
  ]);
  const SKIPPED = new Set(['relationship', 'identity', 'marking-definition', 'x-mitre-collection']);

  it('counts what the raw JSON of both releases counts', () => {
    const a = release('enterprise-attack-17.1');
    const b = release('enterprise-attack-18.1');
    const objects = (raw: Raw[]) => new Map(raw.filter((o) => !SKIPPED.has(o.type)).map((o) => [o.id, o]));
    const [x, y] = [objects(a.raw), objects(b.raw)];
    const counts = { added: 0, removed: 0, revoked: 0, deprecated: 0, modified: 0 };
    for (const [id, o] of y) {
      const e = x.get(id);
      if (!e) counts.added++;
      else if (o.revoked && !e.revoked) counts.revoked++;
      else if (o.x_mitre_deprecated && !e.x_mitre_deprecated) counts.deprecated++;
      else if (!isDeepStrictEqual(content(o), content(e))) counts.modified++;
    }
    for (const id of x.keys()) if (!y.has(id)) counts.removed++;
    // Relationships by STIX id, with their ends: MITRE re-points some (48 `uses` in 18.1) under
    // the same id, which the import runs count as added.
    const rels = (raw: Raw[], ends: Map<string, Raw>) =>
      new Map(
        raw
          .filter((r) => r.type === 'relationship' && RELATIONSHIPS.has(r.relationship_type ?? ''))
          .filter((r) => ends.has(r.source_ref ?? '') && ends.has(r.target_ref ?? ''))
          .map((r) => [r.id, `${r.relationship_type} ${r.source_ref} ${r.target_ref}`]),
      );
    const [rx, ry] = [rels(a.raw, x), rels(b.raw, y)];
    const [rawA, rawB] = [byId(a.raw), byId(b.raw)];
    const diff = releaseDiff(a.catalog, b.catalog);
    expect(diff.counts).toMatchObject({
      ...counts,
      relationshipsAdded: [...ry].filter(([k, ends]) => rx.get(k) !== ends).length,
      relationshipsRemoved: [...rx.keys()].filter((k) => !ry.has(k)).length,
      relationshipsModified: [...ry].filter(
        ([k, ends]) =>
          rx.get(k) === ends && !isDeepStrictEqual(content(rawA.get(k) as Raw), content(rawB.get(k) as Raw)),
      ).length,
    });
    expect(diff.relationships.filter((r) => r.previous).length).toBe(
      [...ry].filter(([k, ends]) => rx.has(k) && rx.get(k) !== ends).length,
    );
    // Release 18 deprecates data sources and adds detection strategies: both show.
    expect(
      diff.objects.filter((o) => o.change === 'deprecated' && o.stixType === 'x-mitre-data-source').length,
    ).toBe(
      [...y.values()].filter(
        (o) => o.type === 'x-mitre-data-source' && o.x_mitre_deprecated && !x.get(o.id)?.x_mitre_deprecated,
      ).length,
    );
    expect(counts.added).toBeGreaterThan(0);
  }, 60_000);
});

describe('releaseDiff enterprise 16.1 -> 18.1 narrowed to APT29', () => {
  it("lists the techniques it gained and lost as the raw `uses` relationships say, with each loss's reason", () => {
    const a = release('enterprise-attack-16.1');
    const b = release('enterprise-attack-18.1');
    const group = a.raw.find((o) => o.type === 'intrusion-set' && attackIdOf(o) === 'G0016') as Raw;
    const uses = (raw: Raw[]) => {
      const objects = byId(raw);
      return new Set(
        raw
          .filter((r) => r.relationship_type === 'uses' && current(r) && r.source_ref === group.id)
          .filter((r) => objects.get(r.target_ref ?? '')?.type === 'attack-pattern')
          .map((r) => r.target_ref as string),
      );
    };
    const [before, after] = [uses(a.raw), uses(b.raw)];
    const focus = releaseDiff(a.catalog, b.catalog, { group: 'APT29' }).focus;
    const lost = focus?.techniques?.lost ?? [];
    expect(lost.map((l) => l.technique.stixId).sort()).toEqual(
      [...before].filter((t) => !after.has(t)).sort(),
    );
    expect((focus?.techniques?.gained ?? []).map((g) => g.technique.stixId).sort()).toEqual(
      [...after].filter((t) => !before.has(t)).sort(),
    );
    const now = byId(b.raw);
    for (const l of lost) {
      const t = now.get(l.technique.stixId);
      const reason = !t
        ? 'technique-removed'
        : t.revoked
          ? 'technique-revoked'
          : t.x_mitre_deprecated
            ? 'technique-deprecated'
            : 'usage-removed';
      expect([l.technique.attackId, l.reason]).toEqual([l.technique.attackId, reason]);
    }
  }, 60_000);
});
