import {
  type ChangeKind,
  type ObjectChange as LoggedObjectChange,
  type RelationshipChange as LoggedRelationshipChange,
  versionChangeOf,
} from '../change-log.ts';
import type { Catalog, CatalogObject, CatalogRelationship } from './catalog.ts';
import { type Focus, focusOn } from './focus.ts';
import { followRevocations, type Lookup, lookup, type ObjectRef, refOf, tacticIds } from './lookup.ts';

export type { ObjectRef } from './lookup.ts';

/*
 * Two releases of one domain compared. The categories and keys are those of the import runs'
 * change sets (import/diff.ts, src/data/analytics/changes.ts): one entry per object, `added`,
 * `modified`, `revoked`, `deprecated` or `removed`; relationships by STIX id, labelled by ATT&CK
 * ID. A release diff adds what a person migrating needs: the replacement of a revoked object, and
 * whether a modified one was renamed or moved between tactics.
 */

export type { ChangeKind };

/** An import run's object change (src/change-log.ts), with what a person migrating needs. */
export interface ObjectChange extends LoggedObjectChange {
  /** Revoked: where the whole revoked-by chain ends in the newer release (several at a fork). */
  replacedBy?: ObjectRef[];
  /** The ATT&CK ID or name changed, the STIX id did not. */
  renamed?: { fromAttackId: string | null; toAttackId: string | null; fromName: string; toName: string };
  /** The technique's tactics changed (shortnames; a tactic renamed in place is no move). */
  moved?: { from: string[]; to: string[] };
}

/** An import run's relationship change (src/change-log.ts), with the STIX ids of its ends. */
export interface RelationshipChange extends LoggedRelationshipChange {
  fromStixId: string;
  toStixId: string;
  /** Added under a key the older release used for other ends or another type (as the import counts it). */
  previous?: { type: string; from: string; to: string; fromStixId: string; toStixId: string };
}

export interface DiffCounts {
  added: number;
  modified: number;
  revoked: number;
  deprecated: number;
  removed: number;
  renamed: number;
  moved: number;
  relationshipsAdded: number;
  relationshipsModified: number;
  relationshipsRemoved: number;
}

export interface ReleaseDiff {
  domain: string;
  from: string;
  to: string;
  objects: ObjectChange[];
  relationships: RelationshipChange[];
  counts: DiffCounts;
  /** Set when the diff was narrowed to an object or a group. */
  focus?: Focus;
}

export interface DiffOptions {
  /** Narrow to one object: its STIX id, ATT&CK ID, name or alias. */
  object?: string;
  /** Narrow to one group (or software, or campaign), with the techniques it gained and lost; wins over `object`. */
  group?: string;
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function versionChange(a: CatalogObject, b: CatalogObject) {
  return {
    versionChange: versionChangeOf(a.version, b.version),
    fromVersion: a.version,
    toVersion: b.version,
  };
}

/** How one object that both releases hold changed, or null when it did not. */
function changeOf(x: Lookup, y: Lookup, a: CatalogObject, b: CatalogObject): ObjectChange | null {
  const base = refOf(b);
  if (b.revoked && !a.revoked) {
    const chain = followRevocations(y, b);
    const replacedBy = chain.ok ? [refOf(chain.end)] : chain.ends.map(refOf);
    return { change: 'revoked', ...base, replacedBy };
  }
  if (b.deprecated && !a.deprecated) return { change: 'deprecated', ...base };
  const renamed = a.name !== b.name || a.attackId !== b.attackId;
  const isTechnique = b.type === 'attack-pattern';
  const moved = isTechnique && !sameList([...tacticIds(x, a)].sort(), [...tacticIds(y, b)].sort());
  if (!renamed && !moved && a.content === b.content && a.modified === b.modified) return null;
  return {
    change: 'modified',
    ...base,
    ...versionChange(a, b),
    ...(renamed
      ? { renamed: { fromAttackId: a.attackId, toAttackId: b.attackId, fromName: a.name, toName: b.name } }
      : {}),
    ...(moved ? { moved: { from: a.tactics, to: b.tactics } } : {}),
  };
}

/** Stage 1: every object added, removed or changed, in the newer release's order. */
export function objectChanges(x: Lookup, y: Lookup): ObjectChange[] {
  const out: ObjectChange[] = [];
  for (const b of y.catalog.objects) {
    const a = x.byStixId.get(b.stixId);
    const change = a ? changeOf(x, y, a, b) : { change: 'added' as const, ...refOf(b) };
    if (change) out.push(change);
  }
  for (const a of x.catalog.objects)
    if (!y.byStixId.has(a.stixId)) out.push({ change: 'removed', ...refOf(a) });
  return out;
}

/** Stage 2: relationships added, modified (same ends, other content) and removed, by STIX id. */
export function relationshipChanges(x: Lookup, y: Lookup): RelationshipChange[] {
  const name = (id: string) => {
    const o = y.byStixId.get(id) ?? x.byStixId.get(id);
    return o?.attackId ?? o?.name ?? id;
  };
  const entry = (change: RelationshipChange['change'], r: CatalogRelationship): RelationshipChange => ({
    change,
    type: r.type,
    key: r.key,
    from: name(r.from),
    to: name(r.to),
    fromStixId: r.from,
    toStixId: r.to,
  });
  const before = new Map(x.catalog.relationships.map((r) => [r.key, r]));
  const after = new Set(y.catalog.relationships.map((r) => r.key));
  const out: RelationshipChange[] = [];
  for (const r of y.catalog.relationships) {
    const e = before.get(r.key);
    // A relationship whose ends or type changed is a new one under the old key, as the import sees it.
    if (!e) out.push(entry('added', r));
    else if (e.from !== r.from || e.to !== r.to || e.type !== r.type) {
      const { type, from, to, fromStixId, toStixId } = entry('removed', e);
      out.push({ ...entry('added', r), previous: { type, from, to, fromStixId, toStixId } });
    } else if (e.content !== r.content || e.modified !== r.modified) out.push(entry('modified', r));
  }
  for (const r of x.catalog.relationships) if (!after.has(r.key)) out.push(entry('removed', r));
  return out;
}

export function countChanges(objects: ObjectChange[], rels: RelationshipChange[]): DiffCounts {
  const n = (kind: ChangeKind) => objects.filter((o) => o.change === kind).length;
  const r = (kind: RelationshipChange['change']) => rels.filter((x) => x.change === kind).length;
  return {
    added: n('added'),
    modified: n('modified'),
    revoked: n('revoked'),
    deprecated: n('deprecated'),
    removed: n('removed'),
    renamed: objects.filter((o) => o.renamed).length,
    moved: objects.filter((o) => o.moved).length,
    relationshipsAdded: r('added'),
    relationshipsModified: r('modified'),
    relationshipsRemoved: r('removed'),
  };
}

/**
 * Pure: what changed from release `from` to release `to` of one domain, whole or narrowed to an
 * object or a group. Throws when the catalogs are of different domains or the subject is unknown.
 */
export function releaseDiff(from: Catalog, to: Catalog, options: DiffOptions = {}): ReleaseDiff {
  if (from.domain !== to.domain)
    throw new Error(
      `releaseDiff compares one domain: ${from.domain} ${from.release} and ${to.domain} ${to.release}`,
    );
  const x = lookup(from);
  const y = lookup(to);
  let objects = objectChanges(x, y);
  let relationships = relationshipChanges(x, y);
  const subject = options.group ?? options.object;
  const focus = subject === undefined ? undefined : focusOn(x, y, subject, options.group !== undefined);
  if (focus) {
    const ids = new Set(focus.stixIds);
    objects = objects.filter((o) => ids.has(o.stixId));
    relationships = relationships.filter((r) => ids.has(r.fromStixId) || ids.has(r.toStixId));
  }
  return {
    domain: to.domain,
    from: from.release,
    to: to.release,
    objects,
    relationships,
    counts: countChanges(objects, relationships),
    ...(focus ? { focus } : {}),
  };
}
