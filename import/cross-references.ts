import { z } from 'zod';
import { REL_TYPES } from '../src/model.ts';
import type { Query, Row, WriteTx } from '../src/neo4j/executor.ts';
import { CREATE_RELS, q } from './cypher.ts';
import { type Defect, type Holder, type Outside, sameRelease } from './references.ts';
import type { PropValue, RelRow } from './rows.ts';
import { versionText } from './versions.ts';

/*
 * The graph side of references.ts: which objects of other domains end a bundle's outside
 * references, and, inside each import's transaction, the :CrossReference records and the
 * relationships they complete.
 */

/** What the import run records of the references (see linkReferences). */
export interface Linked {
  written: number;
  /** Relationships of other domains' bundles that this import completed: key and domain. */
  completed: { stixId: string; domain: string }[];
}

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

type Reader = { run(query: Query, params?: Record<string, unknown>): Promise<Row[]> };

/** The release each domain holds, with `current` (the domain being imported) taken as given. */
async function releases(reader: Reader, current?: { domain: string; release: string | null }) {
  const rows = z.array(releaseRow).parse(await reader.run(READ_RELEASES));
  const out = new Map(rows.map((r) => [r.domain, r.release]));
  if (current) out.set(current.domain, current.release);
  return out;
}

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
        // Written as the domain's own import writes a relationship, with that domain's version.
        const version = versionText({
          domain: r.domain,
          modified: String(props.modified ?? ''),
          hash: r.hash,
        });
        return { from: r.from, to: r.to, props, hash: r.hash, domains: [r.domain], versions: [version] };
      });
    if (rows.length) await tx.run(CREATE_RELS[type], { rows });
  }
  written += complete.length;
  return { written, completed: complete.map((r) => ({ stixId: r.key, domain: r.domain })) };
}
