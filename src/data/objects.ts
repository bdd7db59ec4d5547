import { z } from 'zod';
import type { Query, ReadExecutor } from '../neo4j/executor.ts';
import {
  active,
  type Domain,
  LABEL_NAMES,
  LABELS,
  type Label,
  type NodeRow,
  nodeRow,
  orderBy,
  type Page,
  projectComplete,
  type Visibility,
  visibilityParams,
  visible,
  type Window,
} from './rows.ts';

const q = (name: string, cypher: string): Query => ({ name, cypher });
const perLabel = (build: (label: Label) => Query) =>
  Object.fromEntries(LABEL_NAMES.map((label) => [label, build(label)])) as Record<Label, Query>;

/** Nodes of one label by STIX id: the relay `node` field and loadable nodes use these. */
export const BY_STIX_IDS = perLabel((label) =>
  q(
    `objects.byStixIds.${label}`,
    `MATCH (n:${LABELS[label]}) WHERE n.stixId IN $ids RETURN ${projectComplete('n')} AS node`,
  ),
);

/**
 * One object by any of its keys. ATT&CK IDs repeat (deprecated mitigations reuse technique IDs,
 * revoked objects keep theirs, a tactic shortname exists per domain), so the current object wins,
 * then an exact name over an alias, then enterprise over mobile over ICS, then the newest.
 */
export const LOOKUP = perLabel((label) =>
  q(
    `objects.lookup.${label}`,
    `MATCH (n:${LABELS[label]})
     WHERE ($stixId IS NULL OR n.stixId = $stixId)
       AND ($attackId IS NULL OR n.attackId = $attackId)
       AND ($shortname IS NULL OR n.shortname = $shortname)
       AND ($name IS NULL OR toLower(n.name) = toLower($name)
            OR any(a IN coalesce(n.aliases, []) WHERE toLower(a) = toLower($name)))
       AND ($domain IS NULL OR $domain IN n.domains)
     RETURN ${projectComplete('n')} AS node
     ORDER BY CASE WHEN ${active('n')} THEN 0 ELSE 1 END,
              CASE WHEN $name IS NULL OR toLower(n.name) = toLower($name) THEN 0 ELSE 1 END,
              CASE WHEN 'enterprise-attack' IN n.domains THEN 0 WHEN 'mobile-attack' IN n.domains THEN 1 ELSE 2 END,
              n.modified DESC
     LIMIT 1`,
  ),
);

const LIST_FILTER = `${visible('n')}
  AND ($platform IS NULL OR any(x IN coalesce(n.platforms, []) WHERE toLower(x) = toLower($platform)))
  AND ($tactic IS NULL OR EXISTS { (n)-[:IN_TACTIC]->(t:Tactic) WHERE t.shortname = $tactic OR t.attackId = $tactic })
  AND ($includeSubtechniques OR NOT coalesce(n.isSubtechnique, false))`;

const PAGE = `
  WITH n ORDER BY ${orderBy('n')}
  WITH collect(n) AS hits
  RETURN size(hits) AS totalCount,
         [x IN hits[toInteger($offset)..toInteger($offset) + toInteger($limit)] | ${projectComplete('x')}] AS items`;

/** Every object of one label that passes the filters, in the stable order. */
export const LIST = perLabel((label) =>
  q(`objects.list.${label}`, `MATCH (n:${LABELS[label]}) WHERE ${LIST_FILTER} ${PAGE}`),
);

/** The same list narrowed by the full-text index. */
export const LIST_SEARCH = perLabel((label) =>
  q(
    `objects.listSearch.${label}`,
    `CALL db.index.fulltext.queryNodes('attack_object_search', $search) YIELD node AS n
     WHERE n:${LABELS[label]} AND ${LIST_FILTER} ${PAGE}`,
  ),
);

/** Objects of any of `$labels` matching the full-text query, best match first. */
export const SEARCH = q(
  'objects.search',
  `CALL db.index.fulltext.queryNodes('attack_object_search', $search) YIELD node AS n, score
   WHERE ${visible('n')} AND any(l IN labels(n) WHERE l IN $labels)
   WITH n, score ORDER BY score DESC, ${orderBy('n')}
   WITH collect({node: ${projectComplete('n')}, score: score}) AS hits
   RETURN size(hits) AS totalCount, hits[toInteger($offset)..toInteger($offset) + toInteger($limit)] AS items`,
);

/** Tactics in the order their domain's current matrix lists them (enterprise, mobile, then ICS). */
export const TACTICS = q(
  'objects.tactics',
  `MATCH (n:Tactic) WHERE ${visible('n')}
   OPTIONAL MATCH (m:Matrix)-[r:HAS_TACTIC]->(n) WHERE ${active('m')}
   WITH n, min(r.order) AS position
   WITH n, position,
        CASE WHEN 'enterprise-attack' IN n.domains THEN 0 WHEN 'mobile-attack' IN n.domains THEN 1 ELSE 2 END AS rank
   ORDER BY rank, position, ${orderBy('n')}
   RETURN ${projectComplete('n')} AS node`,
);

const nodeResult = z.object({ node: nodeRow });
const pageResult = z.object({ totalCount: z.number().int(), items: z.array(nodeRow) });
const searchResult = z.object({
  totalCount: z.number().int(),
  items: z.array(z.object({ node: nodeRow, score: z.number() })),
});

export async function fetchByStixIds(
  db: ReadExecutor,
  label: Label,
  ids: readonly string[],
): Promise<NodeRow[]> {
  if (ids.length === 0) return [];
  const rows = await db.read(BY_STIX_IDS[label], { ids: [...new Set(ids)] });
  return rows.map((row) => nodeResult.parse(row).node);
}

const COMPLETE_BY_STIX_IDS = q(
  'objects.complete',
  `UNWIND $ids AS id MATCH (n:AttackObject {stixId: id}) RETURN ${projectComplete('n')} AS node`,
);

/** Every property of each node in `ids`, in the order of `ids` (null for an unknown id). */
export async function fetchComplete(db: ReadExecutor, ids: readonly string[]): Promise<(NodeRow | null)[]> {
  if (ids.length === 0) return [];
  const rows = (await db.read(COMPLETE_BY_STIX_IDS, { ids: [...new Set(ids)] })).map(
    (r) => nodeResult.parse(r).node,
  );
  const byId = new Map(rows.map((r) => [r.stixId, r]));
  return ids.map((id) => byId.get(id) ?? null);
}

export interface LookupKeys {
  stixId?: string | null;
  attackId?: string | null;
  name?: string | null;
  shortname?: string | null;
  domain?: Domain | null;
}

export async function lookup(db: ReadExecutor, label: Label, keys: LookupKeys): Promise<NodeRow | null> {
  const [row] = await db.read(LOOKUP[label], {
    stixId: keys.stixId ?? null,
    attackId: keys.attackId ?? null,
    name: keys.name ?? null,
    shortname: keys.shortname ?? null,
    domain: keys.domain ?? null,
  });
  return row ? nodeResult.parse(row).node : null;
}

/** Lucene treats these as syntax; user text is matched literally. */
export function escapeLucene(text: string): string {
  return text
    .replace(/[+\-&|!(){}[\]^"~*?:\\/]/g, '\\$&')
    .replace(/\b(AND|OR|NOT|TO)\b/g, (w) => w.toLowerCase());
}

export interface ListFilters extends Visibility, Window {
  platform?: string | null;
  tactic?: string | null;
  search?: string | null;
  includeSubtechniques?: boolean | null;
}

export async function fetchList(
  db: ReadExecutor,
  label: Label,
  filters: ListFilters,
): Promise<Page<NodeRow>> {
  const search = filters.search?.trim();
  const [row] = await db.read(search ? LIST_SEARCH[label] : LIST[label], {
    ...visibilityParams(filters),
    platform: filters.platform ?? null,
    tactic: filters.tactic ?? null,
    includeSubtechniques: filters.includeSubtechniques ?? true,
    search: search ? escapeLucene(search) : null,
    offset: filters.offset,
    limit: filters.limit,
  });
  return pageResult.parse(row);
}

export async function fetchSearch(
  db: ReadExecutor,
  text: string,
  labels: readonly Label[],
  options: Visibility & Window,
): Promise<Page<{ node: NodeRow; score: number }>> {
  const search = escapeLucene(text.trim());
  if (!search) return { totalCount: 0, items: [] };
  const [row] = await db.read(SEARCH, {
    ...visibilityParams(options),
    search,
    labels: labels.map((l) => LABELS[l]),
    offset: options.offset,
    limit: options.limit,
  });
  return searchResult.parse(row);
}

export async function fetchTactics(db: ReadExecutor, options: Visibility): Promise<NodeRow[]> {
  const rows = await db.read(TACTICS, visibilityParams(options));
  return rows.map((row) => nodeResult.parse(row).node);
}
