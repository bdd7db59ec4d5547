import type { CatalogObject } from './catalog.ts';
import { followRevocations, isCurrent, type Lookup, label, type ObjectRef, refOf } from './lookup.ts';

/*
 * A diff narrowed to one subject. For a group (or software, or campaign): the techniques it uses
 * directly in each release, what it gained and lost, and why each was lost.
 */

export type LossReason =
  /** The technique was revoked; `replacedBy` is where its revoked-by chain ends. */
  | 'technique-revoked'
  | 'technique-deprecated'
  | 'technique-removed'
  /** The technique is still there; the group's `uses` relationship is not. */
  | 'usage-removed'
  /** The group itself was revoked (merged into `Focus.replacedBy`), which does not use it. */
  | 'group-revoked';

export type GainReason =
  /** It replaces a technique the group used, revoked in the newer release. */
  | 'replaces-revoked'
  /** The technique did not exist in the older release. */
  | 'new-technique'
  /** A group revoked into this one used it. */
  | 'from-merged-group'
  | 'usage-added';

export interface TechniqueLoss {
  technique: ObjectRef;
  reason: LossReason;
  replacedBy: ObjectRef[];
  /** The group uses the replacement in the newer release: the usage carried over. */
  carriedOver: boolean;
  because: string;
}

export interface TechniqueGain {
  technique: ObjectRef;
  reason: GainReason;
  /** For `replaces-revoked`: the techniques it replaces; for `from-merged-group`: the groups. */
  via: ObjectRef[];
}

export interface Focus {
  subject: ObjectRef;
  /** Where the subject's revoked-by chain ends in the newer release, when it was revoked. */
  replacedBy: ObjectRef | null;
  /** The subject and its replacement: the objects the narrowed diff keeps. */
  stixIds: string[];
  techniques?: { before: ObjectRef[]; after: ObjectRef[]; gained: TechniqueGain[]; lost: TechniqueLoss[] };
}

const USERS = new Set(['intrusion-set', 'malware', 'tool', 'campaign']);

/** Stage 1: the subject, by STIX id, ATT&CK ID, name or alias (any case), newer release first. */
export function findSubject(x: Lookup, y: Lookup, text: string, groupsFirst = false): CatalogObject {
  const t = text.trim().toLowerCase();
  const matches = (o: CatalogObject) =>
    o.stixId === text.trim() ||
    o.attackId?.toLowerCase() === t ||
    o.name.toLowerCase() === t ||
    o.aliases.some((a) => a.toLowerCase() === t);
  const pick = (l: Lookup) => {
    const all = l.catalog.objects.filter(matches);
    // A name can be a group's and a software's alias at once: a group question means the group.
    const rank = (o: CatalogObject) =>
      (groupsFirst ? (o.type === 'intrusion-set' ? 0 : USERS.has(o.type) ? 1 : 2) : 0) +
      (isCurrent(o) ? 0 : 3);
    return all.sort((a, b) => rank(a) - rank(b))[0];
  };
  const found = pick(y) ?? pick(x);
  if (!found)
    throw new Error(
      `unknown object "${text}": neither ${x.catalog.domain} ${x.catalog.release} nor ${y.catalog.release} has it`,
    );
  return found;
}

/** The techniques `source` uses directly, through current `uses` relationships. */
export function usedTechniques(l: Lookup, source: string): Map<string, CatalogObject> {
  const out = new Map<string, CatalogObject>();
  for (const r of l.outgoing.get(source) ?? []) {
    const t = l.byStixId.get(r.to);
    if (r.type === 'USES' && isCurrent(r) && t?.type === 'attack-pattern') out.set(t.stixId, t);
  }
  return out;
}

function lossOf(
  y: Lookup,
  t: CatalogObject,
  after: Map<string, CatalogObject>,
  merged: CatalogObject | null,
) {
  const now = y.byStixId.get(t.stixId);
  const loss = (reason: LossReason, because: string, replacedBy: CatalogObject[] = []): TechniqueLoss => ({
    technique: refOf(t),
    reason,
    replacedBy: replacedBy.map(refOf),
    carriedOver: replacedBy.some((r) => after.has(r.stixId)),
    because,
  });
  if (!now) return loss('technique-removed', `${label(t)} is not in release ${y.catalog.release}`);
  if (now.revoked) {
    const chain = followRevocations(y, now);
    const ends = chain.ok ? [chain.end] : chain.ends;
    const to = ends.map(label).join(', ') || 'nothing';
    return loss('technique-revoked', `${label(t)} was revoked and replaced by ${to}`, ends);
  }
  if (now.deprecated) return loss('technique-deprecated', `${label(t)} was deprecated`);
  if (merged)
    return loss(
      'group-revoked',
      `the group was revoked in favour of ${label(merged)}, which does not use it`,
    );
  return loss('usage-removed', `the usage of ${label(t)} was removed`);
}

/** Groups of the older release whose revoked-by chain in the newer one ends at `subject`. */
function mergedInto(x: Lookup, y: Lookup, subject: string): CatalogObject[] {
  return x.catalog.objects.filter((g) => {
    const now = y.byStixId.get(g.stixId);
    if (g.stixId === subject || !USERS.has(g.type) || !now?.revoked) return false;
    const chain = followRevocations(y, now);
    return chain.ok && chain.end.stixId === subject;
  });
}

/** Stage 2: the techniques the subject gained and lost, with the reason for each. */
export function techniqueChanges(x: Lookup, y: Lookup, subject: CatalogObject, current: CatalogObject) {
  const before = usedTechniques(x, subject.stixId);
  const after = usedTechniques(y, current.stixId);
  const merged = current.stixId === subject.stixId ? null : current;
  const lost = [...before.values()]
    .filter((t) => !after.has(t.stixId))
    .map((t) => lossOf(y, t, after, merged));
  const others = mergedInto(x, y, current.stixId);
  const gained = [...after.values()]
    .filter((t) => !before.has(t.stixId))
    .map((t): TechniqueGain => {
      const replaced = lost.filter((l) => l.replacedBy.some((r) => r.stixId === t.stixId));
      if (replaced.length)
        return { technique: refOf(t), reason: 'replaces-revoked', via: replaced.map((l) => l.technique) };
      if (!x.byStixId.has(t.stixId)) return { technique: refOf(t), reason: 'new-technique', via: [] };
      const from = others.filter((g) => usedTechniques(x, g.stixId).has(t.stixId));
      if (from.length) return { technique: refOf(t), reason: 'from-merged-group', via: from.map(refOf) };
      return { technique: refOf(t), reason: 'usage-added', via: [] };
    });
  return { before: [...before.values()].map(refOf), after: [...after.values()].map(refOf), gained, lost };
}

export function focusOn(x: Lookup, y: Lookup, text: string, withTechniques: boolean): Focus {
  const subject = findSubject(x, y, text, withTechniques);
  if (withTechniques && !USERS.has(subject.type))
    throw new Error(
      `"${text}" is ${label(subject)}, a ${subject.type}: a group, software or campaign was expected`,
    );
  const now = y.byStixId.get(subject.stixId);
  const chain = now?.revoked ? followRevocations(y, now) : null;
  const current = chain?.ok ? chain.end : (now ?? subject);
  const replacedBy = chain?.ok ? refOf(chain.end) : null;
  return {
    subject: refOf(subject),
    replacedBy,
    stixIds: [...new Set([subject.stixId, current.stixId])],
    ...(withTechniques ? { techniques: techniqueChanges(x, y, subject, current) } : {}),
  };
}
