import { z } from 'zod';
import { REL_TYPES, type RelType, STIX_RELATIONSHIPS } from '../src/model.ts';
import type { Query, Row, WriteTx } from '../src/neo4j/executor.ts';
import { type PropValue, type RelRow, stixRelRow } from './rows.ts';
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

/** What the import run records of the references (see linkReferences). */
export interface Linked {
  written: number;
  /** Relationships of other domains' bundles that this import completed: key and domain. */
  completed: { stixId: string; domain: string }[];
}

const q = (name: string, cypher: string): Query => ({ name, cypher });

const READ_ENDPOINTS = q(
  'import.readEndpoints',
  `UNWIND $ids AS id MATCH (n:AttackObject {stixId: id})
   RETURN n.stixId AS stixId, n.stixType AS stixType, coalesce(n.domains, []) AS domains`,
);
/** The release each domain holds: its newest import run's (collect would drop a null version). */
const READ_RELEASES = q(
  'import.readReleases',
  `MATCH (r:ImportRun) WITH r ORDER BY r.finishedAt DESC, r.id DESC
   WITH r.domain AS domain, collect(r)[0] AS newest
   RETURN domain, newest.attackVersion AS release`,
);
const READ_RECORDS = q(
  'import.readCrossReferences',
  'MATCH (p:CrossReference {domain: $domain}) RETURN p.key AS key, p.hash AS hash, p.release AS release',
);
const WRITE_RECORDS = q(
  'import.writeCrossReferences',
  `UNWIND $rows AS r MERGE (p:CrossReference {domain: $domain, key: r.key})
   SET p.release = r.release, p.relType = r.relType, p.from = r.from, p.to = r.to, p.missing = r.missing,
       p.propsJson = r.propsJson, p.hash = r.hash`,
);
const DELETE_RECORDS = q(
  'import.deleteCrossReferences',
  'UNWIND $keys AS key MATCH (p:CrossReference {domain: $domain, key: key}) DELETE p',
);
/** Recorded references whose ends are all in the graph but whose relationship is not. */
const READ_OPEN = q(
  'import.readOpenReferences',
  `MATCH (p:CrossReference)
   MATCH (a:AttackObject {stixId: p.from}) MATCH (b:AttackObject {stixId: p.to})
   WHERE NOT EXISTS { MATCH (a)-[x]->(b) WHERE x.key = p.key }
   RETURN p.key AS key, p.domain AS domain, p.release AS release, p.relType AS relType, p.from AS from,
          p.to AS to, p.missing AS missing, p.propsJson AS propsJson, p.hash AS hash,
          coalesce(a.domains, []) AS fromDomains, coalesce(b.domains, []) AS toDomains`,
);
const CREATE_LINKS = Object.fromEntries(
  REL_TYPES.map((type) => [
    type,
    q(
      `import.completeReferences.${type}`,
      `UNWIND $rows AS r
       MATCH (a:AttackObject {stixId: r.from}) MATCH (b:AttackObject {stixId: r.to})
       CREATE (a)-[x:${type}]->(b) SET x = r.props, x.hash = r.hash, x.domains = [r.domain], x.versions = [r.version]`,
    ),
  ]),
) as Record<RelType, Query>;

const endpointRow = z.object({ stixId: z.string(), stixType: z.string(), domains: z.array(z.string()) });
const releaseRow = z.object({ domain: z.string(), release: z.string().nullable() });
const recordRow = z.object({ key: z.string(), hash: z.string().nullable(), release: z.string().nullable() });
const openRow = z.object({
  key: z.string(),
  domain: z.string(),
  release: z.string().nullable(),
  relType: z.enum(REL_TYPES),
  from: z.string(),
  to: z.string(),
  missing: z.array(z.string()),
  propsJson: z.string(),
  hash: z.string(),
  fromDomains: z.array(z.string()),
  toDomains: z.array(z.string()),
});

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

type Reader = { run(query: Query, params?: Record<string, unknown>): Promise<Row[]> };

/** The release each domain holds, with `current` (the domain being imported) taken as given. */
async function releases(reader: Reader, current?: { domain: string; release: string | null }) {
  const rows = z.array(releaseRow).parse(await reader.run(READ_RELEASES));
  const out = new Map(rows.map((r) => [r.domain, r.release]));
  if (current) out.set(current.domain, current.release);
  return out;
}

/** Same release, or one of the two unknown (a bundle without a version cannot be told apart). */
const sameRelease = (a: string | null | undefined, b: string | null | undefined) => !a || !b || a === b;

/**
 * The graph's objects that end the outside references, in a domain other than the bundle's (a
 * whole bundle replaces its own domain, so that domain's copy does not count) and of the same
 * release.
 */
export async function findHolders(
  reader: Reader,
  outside: Outside[],
  bundle: { domain: string; release: string | null },
): Promise<Map<string, Holder>> {
  const ids = [...new Set(outside.flatMap((o) => o.missing))];
  if (!ids.length) return new Map();
  const [found, held] = await Promise.all([
    reader.run(READ_ENDPOINTS, { ids }).then((rows) => z.array(endpointRow).parse(rows)),
    releases(reader),
  ]);
  const out = new Map<string, Holder>();
  for (const n of found) {
    const domains = n.domains.filter((d) => d !== bundle.domain && sameRelease(held.get(d), bundle.release));
    if (domains.length) out.set(n.stixId, { stixId: n.stixId, stixType: n.stixType, domains });
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
export function classify(outside: Outside[], holders: Map<string, Holder>, problems: Problem[]) {
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

export interface LinkOptions {
  domain: string;
  release: string | null;
  /** An incremental pull keeps the domain's other records. */
  merge: boolean;
  defects: Defect[];
  records: RelRow[];
}

/**
 * Inside the import's transaction, after its writes: replaces the domain's recorded outside
 * references with the bundle's, then writes every recorded relationship (of any domain) whose ends
 * are now all in the graph in the same release. Written with the hash and version the domain's own
 * import gives it, so re-importing that bundle later finds it unchanged.
 */
export async function linkReferences(tx: WriteTx, options: LinkOptions): Promise<Linked> {
  const { domain, release } = options;
  let written = 0;
  const stored = new Map(
    z
      .array(recordRow)
      .parse(await tx.run(READ_RECORDS, { domain }))
      .map((r) => [r.key, r]),
  );
  const missing = new Map(options.defects.map((d) => [d.stixId, d.missing]));
  const changed = options.records.filter((r) => {
    const s = stored.get(r.key);
    return !s || s.hash !== r.hash || s.release !== release;
  });
  if (changed.length) {
    const rows = changed.map((r) => ({
      key: r.key,
      release,
      relType: r.type,
      from: r.from,
      to: r.to,
      missing: missing.get(r.key) ?? [],
      propsJson: JSON.stringify(r.props),
      hash: r.hash,
    }));
    await tx.run(WRITE_RECORDS, { domain, rows });
    written += rows.length;
  }
  const keys = new Set(options.records.map((r) => r.key));
  const gone = options.merge ? [] : [...stored.keys()].filter((k) => !keys.has(k));
  if (gone.length) {
    await tx.run(DELETE_RECORDS, { domain, keys: gone });
    written += gone.length;
  }

  const open = z.array(openRow).parse(await tx.run(READ_OPEN));
  if (!open.length) return { written, completed: [] };
  const held = await releases(tx, { domain, release });
  const complete = open.filter((r) =>
    r.missing.every((id) => {
      const domains = id === r.from ? r.fromDomains : r.toDomains;
      return domains.some((d) => d !== r.domain && sameRelease(held.get(d), r.release));
    }),
  );
  for (const type of REL_TYPES) {
    const rows = complete
      .filter((r) => r.relType === type)
      .map((r) => {
        const props = JSON.parse(r.propsJson) as Record<string, PropValue>;
        // The same "domain modified hash" the domain's own import records (see diff.ts).
        const version = `${r.domain} ${String(props.modified ?? '')} ${r.hash}`;
        return { from: r.from, to: r.to, props, hash: r.hash, domain: r.domain, version };
      });
    if (rows.length) await tx.run(CREATE_LINKS[type], { rows });
  }
  written += complete.length;
  return { written, completed: complete.map((r) => ({ stixId: r.key, domain: r.domain })) };
}
