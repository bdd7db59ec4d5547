/**
 * What migrating an object of an older release to a newer one must give, computed straight from the
 * raw JSON of the two bundles (revoked-by relationships, deprecation flags, kill chain phases), on
 * its own: the oracle of the pure migration test and of the GraphQL one.
 */
import { attackIdOf, type StixObject } from './stix.ts';

export type Raw = StixObject & { modified?: string; x_mitre_version?: string };

export const byId = (raw: Raw[]) => new Map(raw.map((o) => [o.id, o]));
export const current = (o: { revoked?: boolean; x_mitre_deprecated?: boolean }) =>
  !o.revoked && !o.x_mitre_deprecated;

/** The outcome of each old technique in the raw newer bundle: revoked-by hops, deprecation, tactics. */
export const expectedOutcomes = (olds: Raw[], oldRaw: Raw[], newRaw: Raw[]) => {
  const now = byId(newRaw);
  const revokedBy = new Map<string, string[]>();
  for (const r of newRaw)
    if (r.relationship_type === 'revoked-by' && current(r) && r.source_ref && r.target_ref)
      revokedBy.set(r.source_ref, [...(revokedBy.get(r.source_ref) ?? []), r.target_ref]);
  return olds.map((old) => expectedOutcome(old, oldRaw, newRaw, now, revokedBy));
};

function expectedOutcome(
  old: Raw,
  oldRaw: Raw[],
  newRaw: Raw[],
  now: Map<string, Raw>,
  revokedBy: Map<string, string[]>,
) {
  const y = now.get(old.id);
  if (!y) return { outcome: 'needs-review', to: [] as (string | null)[], hops: 0 };
  if (y.revoked) {
    let at = y;
    let hops = 0;
    while (at.revoked) {
      const next = revokedBy.get(at.id) ?? [];
      const target = next.length === 1 ? now.get(next[0] as string) : undefined;
      if (!target) return { outcome: 'needs-review', to: [], hops };
      at = target;
      hops++;
    }
    return { outcome: at.x_mitre_deprecated ? 'deprecated' : 'replaced', to: [attackIdOf(at)], hops };
  }
  if (y.x_mitre_deprecated) return { outcome: 'deprecated', to: [attackIdOf(y)], hops: 0 };
  const tacticIds = (raw: Raw[], o: Raw) => {
    const tactics = raw.filter((t) => t.type === 'x-mitre-tactic' && current(t));
    const ids = (o.kill_chain_phases ?? [])
      .filter((p) => p.kill_chain_name === 'mitre-attack')
      .map((p) => tactics.find((t) => t.x_mitre_shortname === p.phase_name)?.id ?? p.phase_name);
    return [...new Set(ids)].sort().join();
  };
  if (tacticIds(oldRaw, old) !== tacticIds(newRaw, y))
    return { outcome: 'moved', to: [attackIdOf(y)], hops: 0 };
  const renamed = y.name !== old.name || attackIdOf(y) !== attackIdOf(old);
  return { outcome: renamed ? 'renamed' : 'unchanged', to: [attackIdOf(y)], hops: 0 };
}
