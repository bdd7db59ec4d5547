import type { Catalog, CatalogObject, CatalogRelationship } from './catalog.ts';

/** A catalog's lookups, built once per catalog. */
export interface Lookup {
  catalog: Catalog;
  byStixId: Map<string, CatalogObject>;
  /** Objects per upper-cased ATT&CK ID; current ones first. */
  byAttackId: Map<string, CatalogObject[]>;
  /** Tactics per shortname; current ones first. */
  tactics: Map<string, CatalogObject[]>;
  /** Targets of current revoked-by relationships, per revoked object. */
  revokedBy: Map<string, string[]>;
  /** Outgoing relationships per source object. */
  outgoing: Map<string, CatalogRelationship[]>;
}

export const isCurrent = (o: { revoked: boolean; deprecated: boolean }) => !o.revoked && !o.deprecated;

const add = <K, V>(map: Map<K, V[]>, key: K, value: V) => {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
};
const currentFirst = (a: CatalogObject, b: CatalogObject) => Number(isCurrent(b)) - Number(isCurrent(a));

const built = new WeakMap<Catalog, Lookup>();

export function lookup(catalog: Catalog): Lookup {
  const cached = built.get(catalog);
  if (cached) return cached;
  const l: Lookup = {
    catalog,
    byStixId: new Map(catalog.objects.map((o) => [o.stixId, o])),
    byAttackId: new Map(),
    tactics: new Map(),
    revokedBy: new Map(),
    outgoing: new Map(),
  };
  for (const o of catalog.objects) {
    if (o.attackId) add(l.byAttackId, o.attackId.toUpperCase(), o);
    if (o.type === 'x-mitre-tactic') for (const s of o.tactics) add(l.tactics, s, o);
  }
  for (const list of [...l.byAttackId.values(), ...l.tactics.values()]) list.sort(currentFirst);
  for (const r of catalog.relationships) {
    add(l.outgoing, r.from, r);
    if (r.type === 'REVOKED_BY' && !r.revoked && !r.deprecated) add(l.revokedBy, r.from, r.to);
  }
  built.set(catalog, l);
  return l;
}

/** The tactic a technique's shortname names in this catalog (the current one, if several). */
export const tacticOf = (l: Lookup, shortname: string) => l.tactics.get(shortname)?.[0];

/** The STIX ids of the tactics a technique sits in: tactic identity, not shortname, survives a rename. */
export const tacticIds = (l: Lookup, o: CatalogObject) =>
  o.tactics.map((s) => tacticOf(l, s)?.stixId ?? `shortname:${s}`);

export type Chain =
  | { ok: true; hops: CatalogObject[]; end: CatalogObject }
  | { ok: false; hops: CatalogObject[]; why: string; ends: CatalogObject[] };

/**
 * Follows revoked-by from `start` to the object that is not revoked, through every hop. Stops with
 * `ok: false` at a fork (several replacements), a dead end (revoked with no replacement in the
 * catalog) or a cycle.
 */
export function followRevocations(l: Lookup, start: CatalogObject): Chain {
  const hops: CatalogObject[] = [];
  const seen = new Set<string>();
  let at = start;
  while (at.revoked) {
    if (seen.has(at.stixId)) return { ok: false, hops, why: 'its revoked-by links form a cycle', ends: [] };
    seen.add(at.stixId);
    // Sorted: a fork's ends come out in one order however the catalog was read (file or graph).
    const next = (l.revokedBy.get(at.stixId) ?? [])
      .flatMap((id) => l.byStixId.get(id) ?? [])
      .sort((a, b) => (a.attackId ?? a.stixId).localeCompare(b.attackId ?? b.stixId));
    if (next.length === 0)
      return { ok: false, hops, why: `${label(at)} is revoked with no replacement in the release`, ends: [] };
    if (next.length > 1)
      return { ok: false, hops, why: `${label(at)} is revoked by ${next.length} objects`, ends: next };
    at = next[0] as CatalogObject;
    hops.push(at);
  }
  return { ok: true, hops, end: at };
}

/** An object as the answers name it. */
export interface ObjectRef {
  stixId: string;
  attackId: string | null;
  name: string;
  stixType: string;
}

export const refOf = (o: CatalogObject): ObjectRef => ({
  stixId: o.stixId,
  attackId: o.attackId,
  name: o.name,
  stixType: o.type,
});

/** An object as people name it: its ATT&CK ID and name. */
export const label = (o: CatalogObject) => (o.attackId ? `${o.attackId} ${o.name}` : o.name || o.stixId);
