import type { Query, ReadExecutor } from '../neo4j/executor.ts';
import {
  EVERYTHING,
  type Level,
  type NestedPage,
  nestedPage,
  nestedParams,
  type Reads,
  type RelatedItem,
} from './related.ts';
import {
  active,
  CORE,
  type CompleteRow,
  type CoreRow,
  type Domain,
  domainRank,
  LABEL_NAMES,
  LABELS,
  type Label,
  type NodeRow,
  orderBy,
  type Page,
  type PageResult,
  type Projection,
  pageFrom,
  project,
  projectComplete,
  q,
  rowsAs,
  SKIP_LIMIT,
  shapes,
  slice,
  type Visibility,
  visibilityParams,
  visible,
  type Window,
} from './rows.ts';

const perLabel = (build: (label: Label) => Query) =>
  Object.fromEntries(LABEL_NAMES.map((label) => [label, build(label)])) as Record<Label, Query>;

/** `n` as `projection` reads it, or with every property when there is none to go by. */
const projectAs = (x: string, keys: Projection | undefined) => (keys ? project(x, keys) : projectComplete(x));

/** Nodes of one label by STIX id: the relay `node` field and loadable nodes use these. */
export const BY_STIX_IDS = perLabel((label) =>
  q(
    `objects.byStixIds.${label}`,
    `MATCH (n:${LABELS[label]}) WHERE n.stixId IN $ids RETURN ${projectComplete('n')} AS node`,
  ),
);

/** What each lookup key asks of `n`; a lookup's query holds only the keys it was given. */
const LOOKUP_KEYS = {
  stixId: 'n.stixId = $stixId',
  attackId: 'n.attackId = $attackId',
  shortname: 'n.shortname = $shortname',
  name: `(toLower(n.name) = toLower($name)
            OR any(a IN coalesce(n.aliases, []) WHERE toLower(a) = toLower($name)))`,
  domain: '$domain IN n.domains',
} as const;
type LookupKey = keyof typeof LOOKUP_KEYS;
const LOOKUP_KEY_NAMES = Object.keys(LOOKUP_KEYS) as LookupKey[];

/**
 * One object by any of its keys. ATT&CK IDs repeat (deprecated mitigations reuse technique IDs,
 * revoked objects keep theirs, a tactic shortname exists per domain), so the current object wins,
 * then an exact name over an alias, then enterprise over mobile over ICS, then the newest.
 * The WHERE names only the keys given (`given`), so that Neo4j seeks the key's index instead of
 * scanning the label for `$key IS NULL OR ...`.
 */
export const lookupQuery = shapes(
  (label: Label, given: readonly LookupKey[], keys?: Projection, ahead?: Level) =>
    `${label}|${given.join(',')}|${keys?.join(',') ?? '*'}|${ahead ? `${ahead.of.name}|${ahead.reads.key}` : '-'}`,
  (label: Label, given: readonly LookupKey[], keys?: Projection, ahead?: Level) =>
    q(
      `objects.lookup.${label}`,
      // :AttackObject carries the key indexes (stixId, attackId, name); every node has it.
      `MATCH (n:AttackObject:${LABELS[label]})
     WHERE ${given.length > 0 ? given.map((k) => LOOKUP_KEYS[k]).join('\n       AND ') : 'true'}
     WITH n ORDER BY CASE WHEN ${active('n')} THEN 0 ELSE 1 END,
              CASE WHEN $name IS NULL OR toLower(n.name) = toLower($name) THEN 0 ELSE 1 END,
              ${domainRank('n')},
              n.modified DESC
     LIMIT 1${
       ahead
         ? `
     WITH n, n AS p${nestedPage(ahead, AHEAD, ['n'], 'page')}`
         : ''
     }
     RETURN ${projectAs('n', keys)} AS node${ahead ? ', page' : ''}`,
    ),
);

const LIST_FILTER = `${visible('n')}
  AND ($platform IS NULL OR any(x IN coalesce(n.platforms, []) WHERE toLower(x) = toLower($platform)))
  AND ($tactic IS NULL OR EXISTS { (n)-[:IN_TACTIC]->(t:Tactic) WHERE t.shortname = $tactic OR t.attackId = $tactic })
  AND ($includeSubtechniques OR NOT coalesce(n.isSubtechnique, false))`;

/** The page of the nodes `n` in the stable order, counted when asked. */
const page = (reads: Reads) =>
  reads.count
    ? `
  WITH n ORDER BY ${orderBy('n')}
  WITH collect(n) AS hits
  RETURN size(hits) AS totalCount, [x IN ${slice('hits')} | ${project('x', reads.node)}] AS items`
    : `
  WITH n ORDER BY ${orderBy('n')} ${SKIP_LIMIT}
  RETURN collect(${project('n', reads.node)}) AS items`;

/** Every object of one label that passes the filters, in the stable order. */
export const listQuery = shapes(
  (label: Label, reads: Reads) => `${label}|${reads.key}`,
  (label: Label, reads: Reads) =>
    q(`objects.list.${label}`, `MATCH (n:${LABELS[label]}) WHERE ${LIST_FILTER} ${page(reads)}`),
);

/** The same list narrowed by the full-text index. */
export const listSearchQuery = shapes(
  (label: Label, reads: Reads) => `${label}|${reads.key}`,
  (label: Label, reads: Reads) =>
    q(
      `objects.listSearch.${label}`,
      `CALL db.index.fulltext.queryNodes('attack_object_search', $search) YIELD node AS n
     WHERE n:${LABELS[label]} AND ${LIST_FILTER} ${page(reads)}`,
    ),
);

/** Objects of any of `$labels` matching the full-text query, best match first. */
export const searchQuery = shapes(
  (reads: Reads) => reads.key,
  (reads: Reads) =>
    q(
      'objects.search',
      `CALL db.index.fulltext.queryNodes('attack_object_search', $search) YIELD node AS n, score
   WHERE ${visible('n')} AND any(l IN labels(n) WHERE l IN $labels)
   WITH n, score ORDER BY score DESC, ${orderBy('n')}
   ${
     reads.count
       ? `WITH collect({n: n, score: score}) AS hits
   RETURN size(hits) AS totalCount,
          [h IN ${slice('hits')} | head([n IN [h.n] | {node: ${project('n', reads.node)}, score: h.score}])] AS items`
       : `${SKIP_LIMIT}
   RETURN collect({node: ${project('n', reads.node)}, score: score}) AS items`
   }`,
    ),
);

/** The visible tactics `n`, each with its `position` in its domain's current matrix. */
export const TACTICS = `MATCH (n:Tactic) WHERE ${visible('n')}
   OPTIONAL MATCH (m:Matrix)-[r:HAS_TACTIC]->(n) WHERE ${active('m')}
   WITH n, min(r.order) AS position`;

/** Matrix order: enterprise, mobile, then ICS, each in its matrix's order. */
export const TACTICS_ORDER = `ORDER BY ${domainRank('n')}, position, ${orderBy('n')}`;

/** Tactics in the order their domain's current matrix lists them (enterprise, mobile, then ICS). */
export const tacticsQuery = shapes(
  (keys: Projection) => keys.join(','),
  (keys: Projection) =>
    q(
      'objects.tactics',
      `${TACTICS}
   ${TACTICS_ORDER}
   RETURN ${project('n', keys)} AS node`,
    ),
);

interface NodeResult<T = NodeRow> {
  node: T;
}

export async function fetchByStixIds(
  db: ReadExecutor,
  label: Label,
  ids: readonly string[],
): Promise<CompleteRow[]> {
  if (ids.length === 0) return [];
  const rows = await db.read(BY_STIX_IDS[label], { ids: [...new Set(ids)] });
  return rowsAs<NodeResult<CompleteRow>>(rows).map((r) => r.node);
}

const COMPLETE_BY_STIX_IDS = q(
  'objects.complete',
  `UNWIND $ids AS id MATCH (n:AttackObject {stixId: id}) RETURN ${projectComplete('n')} AS node`,
);

const CORE_BY_STIX_IDS = q(
  'objects.core',
  `UNWIND $ids AS id MATCH (n:AttackObject {stixId: id}) RETURN ${project('n', CORE)} AS node`,
);

/** The nodes `query` reads for `ids`, in the order of `ids` (null for an unknown id). */
async function byStixIds<T extends NodeRow>(
  db: ReadExecutor,
  query: Query,
  ids: readonly string[],
): Promise<(T | null)[]> {
  if (ids.length === 0) return [];
  const rows = rowsAs<NodeResult<T>>(await db.read(query, { ids: [...new Set(ids)] }));
  const byId = new Map(rows.map((r) => [r.node.stixId, r.node]));
  return ids.map((id) => byId.get(id) ?? null);
}

/** The core properties of each node in `ids`, in the order of `ids` (null for an unknown id). */
export const fetchCore = (db: ReadExecutor, ids: readonly string[]) =>
  byStixIds<CoreRow>(db, CORE_BY_STIX_IDS, ids);

/** Every property of each node in `ids`, in the order of `ids` (null for an unknown id). */
export const fetchComplete = (db: ReadExecutor, ids: readonly string[]) =>
  byStixIds<CompleteRow>(db, COMPLETE_BY_STIX_IDS, ids);

export interface LookupKeys {
  stixId?: string | null;
  attackId?: string | null;
  name?: string | null;
  shortname?: string | null;
  domain?: Domain | null;
}

/** One object by one of its keys, with the properties `keys` names (every property without). */
export async function lookup(
  db: ReadExecutor,
  label: Label,
  keys: LookupKeys,
  projection?: Projection,
): Promise<NodeRow | null> {
  return (await lookupAhead(db, label, keys, projection)).node;
}

/** Where a lookup's level read ahead keeps its parameters. */
const AHEAD = 'ahead';

/**
 * `lookup`, and with `ahead` the found object's page of that level in the same statement (see
 * `nestedPage`): one round trip for an object and one of its lists.
 */
export async function lookupAhead(
  db: ReadExecutor,
  label: Label,
  keys: LookupKeys,
  projection?: Projection,
  ahead?: Level,
): Promise<{ node: NodeRow | null; page?: Page<RelatedItem> }> {
  const params = {
    stixId: keys.stixId ?? null,
    attackId: keys.attackId ?? null,
    name: keys.name ?? null,
    shortname: keys.shortname ?? null,
    domain: keys.domain ?? null,
  };
  const given = LOOKUP_KEY_NAMES.filter((k) => params[k] !== null);
  const [row] = await db.read(lookupQuery(label, given, projection, ahead), {
    ...params,
    ...(ahead ? nestedParams(ahead, AHEAD) : {}),
  });
  const found = row ? rowsAs<NodeResult & { page?: NestedPage }>([row])[0] : undefined;
  if (!found) return { node: null };
  return {
    node: found.node,
    page: found.page && pageFrom(found.page),
  };
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
  reads: Reads = EVERYTHING,
): Promise<Page<NodeRow>> {
  const search = filters.search?.trim();
  const [row] = await db.read(search ? listSearchQuery(label, reads) : listQuery(label, reads), {
    ...visibilityParams(filters),
    platform: filters.platform ?? null,
    tactic: filters.tactic ?? null,
    includeSubtechniques: filters.includeSubtechniques ?? true,
    search: search ? escapeLucene(search) : null,
    offset: filters.offset,
    limit: filters.limit,
  });
  return pageFrom(rowsAs<PageResult<NodeRow>>(row ? [row] : [])[0]);
}

export async function fetchSearch(
  db: ReadExecutor,
  text: string,
  labels: readonly Label[],
  options: Visibility & Window,
  reads: Reads = EVERYTHING,
): Promise<Page<{ node: NodeRow; score: number }>> {
  const search = escapeLucene(text.trim());
  if (!search) return { totalCount: 0, items: [] };
  const [row] = await db.read(searchQuery(reads), {
    ...visibilityParams(options),
    search,
    labels: labels.map((l) => LABELS[l]),
    offset: options.offset,
    limit: options.limit,
  });
  return pageFrom(rowsAs<PageResult<{ node: NodeRow; score: number }>>(row ? [row] : [])[0]);
}

export async function fetchTactics(
  db: ReadExecutor,
  options: Visibility,
  keys: Projection = EVERYTHING.node,
): Promise<NodeRow[]> {
  const rows = await db.read(tacticsQuery(keys), visibilityParams(options));
  return rowsAs<NodeResult>(rows).map((r) => r.node);
}
