import { z } from 'zod';
import { REL_TYPES } from '../src/model.ts';
import type { Query, Row, WriteTx } from '../src/neo4j/executor.ts';
import { CREATE_RELS, q } from './cypher.ts';
import { relCreateRow } from './load.ts';
import type { Defect, Holder, Outside } from './references.ts';
import type { PropValue, RelRow } from './rows.ts';

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
  `UNWIND $ids AS id MATCH (n:AttackObject {stixId: id, release: $release})
   RETURN n.stixId AS stixId, n.stixType AS stixType, coalesce(n.domains, []) AS domains`,
);
const READ_RECORDS = q(
  'import.readCrossReferences',
  'MATCH (p:CrossReference {domain: $domain, release: $release}) RETURN p.key AS key, p.hash AS hash',
);
const WRITE_RECORDS = q(
  'import.writeCrossReferences',
  `UNWIND $rows AS r MERGE (p:CrossReference {domain: $domain, release: $release, key: r.key})
   SET p.relType = r.relType, p.from = r.from, p.to = r.to, p.missing = r.missing,
       p.propsJson = r.propsJson, p.hash = r.hash`,
);
const DELETE_RECORDS = q(
  'import.deleteCrossReferences',
  'UNWIND $keys AS key MATCH (p:CrossReference {domain: $domain, release: $release, key: key}) DELETE p',
);
/** The release's recorded references whose ends are all in its snapshot but whose relationship is not. */
const READ_OPEN = q(
  'import.readOpenReferences',
  `MATCH (p:CrossReference {release: $release})
   MATCH (a:AttackObject {stixId: p.from, release: $release}) USING INDEX a:AttackObject(stixId, release)
   MATCH (b:AttackObject {stixId: p.to, release: $release}) USING INDEX b:AttackObject(stixId, release)
   WHERE NOT EXISTS { MATCH (a)-[x]->(b) WHERE x.key = p.key }
   RETURN p.key AS key, p.domain AS domain, p.relType AS relType, p.from AS from,
          p.to AS to, p.missing AS missing, p.propsJson AS propsJson, p.hash AS hash,
          coalesce(a.domains, []) AS fromDomains, coalesce(b.domains, []) AS toDomains`,
);
const endpointRow = z.object({ stixId: z.string(), stixType: z.string(), domains: z.array(z.string()) });
const recordRow = z.object({ key: z.string(), hash: z.string().nullable() });
const openRow = z.object({
  key: z.string(),
  domain: z.string(),
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

/**
 * The objects of the bundle's release snapshot that end the outside references, in a domain other
 * than the bundle's (a whole bundle replaces its own domain, so that domain's copy does not count).
 */
export async function findHolders(
  reader: Reader,
  outside: Outside[],
  bundle: { domain: string; release: string },
): Promise<Map<string, Holder>> {
  const ids = [...new Set(outside.flatMap((o) => o.missing))];
  if (!ids.length) return new Map();
  const found = z
    .array(endpointRow)
    .parse(await reader.run(READ_ENDPOINTS, { ids, release: bundle.release }));
  const out = new Map<string, Holder>();
  for (const n of found) {
    const domains = n.domains.filter((d) => d !== bundle.domain);
    if (domains.length) out.set(n.stixId, { stixId: n.stixId, stixType: n.stixType, domains });
  }
  return out;
}

export interface LinkOptions {
  domain: string;
  release: string;
  /** An incremental pull keeps the domain's other records. */
  merge: boolean;
  defects: Defect[];
  records: RelRow[];
}

/**
 * Inside the import's transaction, after its writes: replaces the domain's recorded outside
 * references with the bundle's, then writes every recorded relationship (of any domain) of the same
 * release whose ends are now all in that release's snapshot. Written with the hash and version the domain's own
 * import gives it, so re-importing that bundle later finds it unchanged.
 */
export async function linkReferences(tx: WriteTx, options: LinkOptions): Promise<Linked> {
  const { domain, release } = options;
  let written = 0;
  const stored = new Map(
    z
      .array(recordRow)
      .parse(await tx.run(READ_RECORDS, { domain, release }))
      .map((r) => [r.key, r]),
  );
  const missing = new Map(options.defects.map((d) => [d.stixId, d.missing]));
  const changed = options.records.filter((r) => {
    const s = stored.get(r.key);
    return !s || s.hash !== r.hash;
  });
  if (changed.length) {
    const rows = changed.map((r) => ({
      key: r.key,
      relType: r.type,
      from: r.from,
      to: r.to,
      missing: missing.get(r.key) ?? [],
      propsJson: JSON.stringify(r.props),
      hash: r.hash,
    }));
    await tx.run(WRITE_RECORDS, { domain, release, rows });
    written += rows.length;
  }
  const keys = new Set(options.records.map((r) => r.key));
  const gone = options.merge ? [] : [...stored.keys()].filter((k) => !keys.has(k));
  if (gone.length) {
    await tx.run(DELETE_RECORDS, { domain, release, keys: gone });
    written += gone.length;
  }

  const open = z.array(openRow).parse(await tx.run(READ_OPEN, { release }));
  if (!open.length) return { written, completed: [] };
  const complete = open.filter((r) =>
    r.missing.every((id) => {
      const domains = id === r.from ? r.fromDomains : r.toDomains;
      return domains.some((d) => d !== r.domain);
    }),
  );
  // Grouped by type, in the order a statement per type wrote them.
  const rows = REL_TYPES.flatMap((type) =>
    complete
      .filter((r) => r.relType === type)
      .map((r) => {
        const props = JSON.parse(r.propsJson) as Record<string, PropValue>;
        // Written as the domain's own import writes a new relationship: its one version is its content.
        const { key, from, to, hash } = r;
        return relCreateRow({ key, type, from, to, props, hash, domains: [r.domain], versions: [] });
      }),
  );
  if (rows.length) await tx.run(CREATE_RELS, { rows, release });
  written += complete.length;
  return { written, completed: complete.map((r) => ({ stixId: r.key, domain: r.domain })) };
}
