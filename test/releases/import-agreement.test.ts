/**
 * releaseDiff and the import runs' change sets are two views of one change: for enterprise 17.1 ->
 * 18.1, the change set the importer records when 18.1 replaces 17.1 (import/diff.ts, planned in
 * memory here) and releaseDiff of the two catalogs name the same objects with the same categories,
 * and the same STIX relationships as added and removed.
 */
import { describe, expect, it } from 'vitest';
import { catalogFromStix, releaseDiff } from '../../src/releases/index.ts';
import { bundlePath } from '../helpers/paths.ts';
import { emptyGraph, importInMemory, stageBundle } from '../helpers/stages.ts';

describe('releaseDiff 17.1 -> 18.1 agrees with the import run that replaces 17.1 by 18.1', () => {
  it('in every object change and every STIX relationship added or removed', () => {
    const [a, b] = ['enterprise-attack-17.1', 'enterprise-attack-18.1'].map((name) =>
      stageBundle(bundlePath(name)),
    );
    if (!a || !b) throw new Error('unreachable');
    const { graph } = importInMemory(emptyGraph(), a.rows);
    const { plan } = importInMemory(graph, b.rows);
    // The importer's validated objects fit the catalog as they are: one parse serves both.
    const diff = releaseDiff(
      catalogFromStix(a.validated.objects, a.rows.domain, '17.1'),
      catalogFromStix(b.validated.objects, b.rows.domain, '18.1'),
    );
    const objects = (list: { change: string; stixId: string }[]) =>
      list.map((c) => `${c.stixId} ${c.change}`).sort();
    expect(objects(diff.objects)).toEqual(objects(plan.changes));
    // Relationships the data implies (tactics, derived parents, analytics...) have keys built from
    // their ends, and a release diff shows them as object changes (moved) instead.
    const stix = (list: { change: string; key: string; from: string; to: string }[], change: string) =>
      list
        .filter((r) => r.change === change && !r.key.includes('|'))
        .map((r) => `${r.key} ${r.from} ${r.to}`)
        .sort();
    for (const change of ['added', 'removed', 'modified'])
      expect(stix(diff.relationships, change)).toEqual(stix(plan.relationshipChanges, change));
    expect(diff.objects.length).toBeGreaterThan(1000);
  }, 120_000);
});
