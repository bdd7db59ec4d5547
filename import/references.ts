import { type RelType, STIX_RELATIONSHIPS } from '../src/model.ts';
import { type RelRow, stixRelRow } from './rows.ts';
import type { KnownObject } from './transform.ts';
import type { Problem, Relationship, StixObject } from './validate.ts';

/*
 * References that leave the bundle. MITRE's own releases have them: enterprise 6.3 has a `uses`
 * relationship whose target is a malware of the mobile domain only. A relationship whose end is in
 * no object of its bundle is a defect, not bad input: it is reported, recorded on the import run,
 * and kept as a `:CrossReference` node, so that importing the bundle that holds the missing end,
 * before or after, writes it. Bad objects and references to the wrong type are still refused.
 */

/** A relationship of the bundle with at least one end that the bundle does not hold. */
export interface Outside {
  rel: Relationship;
  type: RelType;
  /** The ends not in the bundle. */
  missing: string[];
}

/** An object of the graph that ends a reference from outside its domain. */
export interface Holder {
  stixId: string;
  stixType: string;
  /** The domains whose release matches the bundle's: the ones that complete the reference. */
  domains: string[];
}

/** One published defect: a relationship that points out of its bundle. */
export interface Defect {
  /** The relationship object. */
  stixId: string;
  relationshipType: string;
  sourceRef: string;
  targetRef: string;
  /** The ends the bundle does not hold. */
  missing: string[];
  /** The domains in the graph that hold every missing end; empty when one is nowhere. */
  foundIn: string[];
  /** Written: every missing end is in the graph. Otherwise held until an import brings it. */
  written: boolean;
}

/** Relationships of a known type with an end that `has` does not know (the bundle, and for a pull the graph). */
export function outsideReferences(objects: StixObject[], has: (id: string) => boolean): Outside[] {
  const out: Outside[] = [];
  for (const o of objects) {
    if (o.type !== 'relationship') continue;
    const spec = STIX_RELATIONSHIPS[o.relationship_type];
    if (!spec) continue;
    const missing = [o.source_ref, o.target_ref].filter((id) => !has(id));
    if (missing.length) out.push({ rel: o, type: spec.type, missing: [...new Set(missing)] });
  }
  return out;
}

/** Holders as the transform takes objects it does not carry: for references only, never as tactics or parents. */
export const asKnown = (holders: Map<string, Holder>): KnownObject[] =>
  [...holders.values()].map((h) => ({
    stixId: h.stixId,
    stixType: h.stixType,
    attackId: null,
    shortname: null,
    revoked: false,
    deprecated: false,
    hasParent: false,
  }));

const REF_PATHS = ['source_ref', 'target_ref'] as const;

/**
 * Splits the transform's problems: an outside reference whose relationship has no other problem
 * is a defect (its "missing" problems are dropped), the rest stay problems. The records are every
 * defect's relationship row, written or not, so the graph can complete it later.
 */
export interface References {
  problems: Problem[];
  defects: Defect[];
  records: RelRow[];
}

export function classify(outside: Outside[], holders: Map<string, Holder>, problems: Problem[]): References {
  const missingAt = new Map<string, Set<string>>();
  for (const o of outside) {
    const paths = REF_PATHS.filter((p) => {
      const id = p === 'source_ref' ? o.rel.source_ref : o.rel.target_ref;
      return o.missing.includes(id) && !holders.has(id);
    });
    missingAt.set(o.rel.id, new Set(paths));
  }
  const isMissing = (p: Problem) => p.stixId !== null && missingAt.get(p.stixId)?.has(p.path) === true;
  const kept = problems.filter((p) => !isMissing(p));
  const refused = new Set(kept.map((p) => p.stixId));
  const defects: Defect[] = [];
  const records: RelRow[] = [];
  for (const o of outside) {
    if (refused.has(o.rel.id)) continue;
    const found = o.missing.map((id) => holders.get(id));
    const written = found.every(Boolean);
    defects.push({
      stixId: o.rel.id,
      relationshipType: o.rel.relationship_type,
      sourceRef: o.rel.source_ref,
      targetRef: o.rel.target_ref,
      missing: o.missing,
      foundIn: written ? [...new Set(found.flatMap((h) => h?.domains ?? []))].sort() : [],
      written,
    });
    records.push(stixRelRow(o.rel, o.type));
  }
  return { problems: kept, defects, records };
}

export function formatDefect(d: Defect): string {
  const ends = `${d.stixId} (${d.relationshipType}) ${d.sourceRef} -> ${d.targetRef}`;
  const missing = d.missing.join(' and ');
  return d.written
    ? `${ends}: ${missing} is not in the bundle; found in ${d.foundIn.join(', ')} of the same release: written`
    : `${ends}: ${missing} is in neither the bundle nor the graph: not written until a bundle that holds it is imported`;
}
