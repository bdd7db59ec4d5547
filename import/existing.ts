import { z } from 'zod';
import type { Query, ReadExecutor, Row, WriteTx } from '../src/neo4j/executor.ts';
import { q } from './cypher.ts';
import type { ExistingNode, ExistingRel } from './diff.ts';
import type { KnownObject } from './transform.ts';

/*
 * The importer's own reads of the graph, each parsed with zod: what the diff compares a bundle with,
 * and what an incremental pull resolves its references against.
 */

export const READ_NODES = q(
  'import.readNodes',
  `MATCH (n:AttackObject {release: $release})
   RETURN elementId(n) AS id, n.stixId AS stixId, n.hash AS hash, coalesce(n.domains, []) AS domains, n.modified AS modified, n.attackId AS attackId,
          n.name AS name, n.stixType AS stixType, n.version AS version, n.revoked AS revoked, n.deprecated AS deprecated,
          coalesce(n.versions, []) AS versions, n.ordinal AS ordinal`,
);
export const READ_RELS = q(
  'import.readRels',
  `MATCH (a:AttackObject {release: $release})-[r]->(b:AttackObject) WHERE r.key IS NOT NULL
   RETURN r.key AS key, type(r) AS type, r.hash AS hash, coalesce(r.domains, []) AS domains, r.modified AS modified,
          a.stixId AS from, b.stixId AS to, coalesce(r.versions, []) AS versions`,
);
/** What an incremental pull needs to know of the graph to resolve references to objects it lacks. */
export const READ_KNOWN = q(
  'import.readKnown',
  `MATCH (n:AttackObject {release: $release}) WHERE $domain IN n.domains
   RETURN n.stixId AS stixId, n.stixType AS stixType, n.attackId AS attackId, n.shortname AS shortname,
          n.revoked AS revoked, n.deprecated AS deprecated, EXISTS { (n)-[:SUBTECHNIQUE_OF]->() } AS hasParent`,
);

/** A string property that may be absent, as null. */
export const text = z
  .string()
  .nullish()
  .transform((v) => v ?? null);
const flag = z
  .boolean()
  .nullish()
  .transform((v) => v ?? false);
// A node written before hashes were recorded has none: it differs from every incoming row.
const hash = z
  .string()
  .nullish()
  .transform((v) => v ?? '');
const strings = z.array(z.string());
// The graph may hold nodes the importer did not write (no domains): they only need to parse.
const word = z
  .string()
  .nullish()
  .transform((v) => v ?? '');

export const existingNode = z.object({
  stixId: z.string(),
  hash,
  domains: strings,
  modified: text,
  attackId: text,
  name: word,
  stixType: word,
  version: text,
  revoked: flag,
  deprecated: flag,
  versions: strings,
  ordinal: z
    .number()
    .nullish()
    .transform((v) => v ?? null),
}) satisfies z.ZodType<ExistingNode>;

export const existingRel = z.object({
  key: z.string(),
  type: z.string(),
  hash,
  domains: strings,
  modified: text,
  from: z.string(),
  to: z.string(),
  versions: strings,
}) satisfies z.ZodType<ExistingRel>;

export const knownObject = z.object({
  stixId: z.string(),
  stixType: z.string(),
  attackId: text,
  shortname: text,
  revoked: flag,
  deprecated: flag,
  hasParent: z.boolean(),
}) satisfies z.ZodType<KnownObject>;

/** Parses rows the importer read back, naming the query when the graph does not hold what it expects. */
export function parseRows<T>(schema: z.ZodType<T>, rows: Row[], query: Query): T[] {
  const parsed = z.array(schema).safeParse(rows);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(`${query.name}: unexpected graph data at ${issue?.path.join('.')}: ${issue?.message}`);
}

/** Each node's element id by STIX id: how the load's relationship writes find their ends. */
export type ElementIds = Map<string, string>;

const elementIdRow = z.object({ stixId: z.string(), id: z.string() });

/** Rows of a node's `stixId` and element `id` (READ_NODES, CREATE_NODES) as `ElementIds` entries. */
export const elementIdsOf = (rows: Row[], query: Query): [string, string][] =>
  parseRows(elementIdRow, rows, query).map((n) => [n.stixId, n.id]);

/**
 * One release's snapshot: its nodes and keyed relationships, read inside the import's transaction
 * (pipelined), and the nodes' element ids, valid until that transaction ends. Relationships never
 * leave a snapshot, so its nodes' relationships are all of it.
 */
export async function readExisting(
  tx: WriteTx,
  release: string,
): Promise<{ nodes: ExistingNode[]; rels: ExistingRel[]; ids: ElementIds }> {
  const [nodes, rels] = await Promise.all([tx.run(READ_NODES, { release }), tx.run(READ_RELS, { release })]);
  return {
    nodes: parseRows(existingNode, nodes, READ_NODES),
    rels: parseRows(existingRel, rels, READ_RELS),
    ids: new Map(elementIdsOf(nodes, READ_NODES)),
  };
}

/** The domain's objects already in the release's snapshot, for an incremental pull. */
export async function readKnown(
  executor: ReadExecutor,
  domain: string,
  release: string,
): Promise<KnownObject[]> {
  return parseRows(knownObject, await executor.read(READ_KNOWN, { domain, release }), READ_KNOWN);
}
