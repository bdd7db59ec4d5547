import type { Query, ReadExecutor } from '../neo4j/executor.ts';
import {
  addNestedParams,
  EVERYTHING,
  type Level,
  levelKey,
  type NestedPage,
  nestedItems,
  nestedPageOf,
  type Reads,
  type RelatedItem,
  relatedPage,
} from './related.ts';
import {
  active,
  CORE,
  type CompleteRow,
  type CoreRow,
  type Domain,
  domainRank,
  inRelease,
  isNamed,
  keptPer,
  LABELS,
  type Label,
  matchesRef,
  type NodeRow,
  orderBy,
  type Page,
  type PageResult,
  type Projection,
  pageFrom,
  project,
  projectComplete,
  q,
  type ReleaseArg,
  type ReleaseRef,
  refKey,
  releaseParams,
  rowsAs,
  SKIP_LIMIT,
  shapes,
  slice,
  type Visibility,
  visibilityParams,
  visible,
  type Window,
} from './rows.ts';

/** `n` as `projection` reads it, or with every property when there is none to go by. */
const projectAs = (x: string, keys: Projection | undefined) => (keys ? project(x, keys) : projectComplete(x));

/**
 * Nodes of one label by (STIX id, release), a null release naming the newest release's node: the
 * relay `node` field uses these.
 */
export const byRefsQuery = shapes(
  (label: Label) => label,
  (label: Label) =>
    q(
      `objects.byRefs.${label}`,
      `UNWIND $keys AS key
     MATCH (n:AttackObject {stixId: key.stixId}) WHERE n:${LABELS[label]} AND ${matchesRef('n', 'key')}
     RETURN key, ${projectComplete('n')} AS node`,
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
type LookupShape = [
  label: Label,
  named: boolean,
  given: readonly LookupKey[],
  keys?: Projection,
  ahead?: readonly Level[],
];
export const lookupQuery = shapes(
  (...[label, named, given, keys, ahead = []]: LookupShape) =>
    `${label}|${named}|${given.join(',')}|${keys?.join(',') ?? '*'}|${ahead.map(levelKey).join(';')}`,
  (...[label, named, given, keys, ahead = []]: LookupShape) =>
    q(
      `objects.lookup.${label}`,
      // :AttackObject carries the key indexes (stixId, attackId, name); every node has it.
      `MATCH (n:AttackObject:${LABELS[label]})
     WHERE ${[inRelease('n', named), ...given.map((k) => LOOKUP_KEYS[k])].join('\n       AND ')}
     WITH n ORDER BY CASE WHEN ${active('n')} THEN 0 ELSE 1 END,
              CASE WHEN $name IS NULL OR toLower(n.name) = toLower($name) THEN 0 ELSE 1 END,
              ${domainRank('n')},
              n.modified DESC
     LIMIT 1${
       // The levels read ahead see the object as `p`, and nothing else (see `nestedItems`).
       ahead.length > 0
         ? `
     WITH n AS p
     WITH p, ${ahead.map((level, i) => `${nestedItems(level, aheadPrefix(i))} AS ${itemsName(i)}`).join(',\n       ')}`
         : ''
     }
     RETURN ${projectAs(ahead.length > 0 ? 'p' : 'n', keys)} AS node,
       [${ahead.map((level, i) => nestedPageOf(level, aheadPrefix(i), itemsName(i))).join(', ')}] AS pages`,
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
  (label: Label, named: boolean, reads: Reads) => `${label}|${named}|${reads.key}`,
  (label: Label, named: boolean, reads: Reads) =>
    q(
      `objects.list.${label}`,
      `MATCH (n:${LABELS[label]}) WHERE ${inRelease('n', named)} AND ${LIST_FILTER} ${page(reads)}`,
    ),
);

/** The same list narrowed by the full-text index. */
export const listSearchQuery = shapes(
  (label: Label, named: boolean, reads: Reads) => `${label}|${named}|${reads.key}`,
  (label: Label, named: boolean, reads: Reads) =>
    q(
      `objects.listSearch.${label}`,
      `CALL db.index.fulltext.queryNodes('attack_object_search', $search) YIELD node AS n
     WHERE n:${LABELS[label]} AND ${inRelease('n', named)} AND ${LIST_FILTER} ${page(reads)}`,
    ),
);

/** Objects of any of `$labels` matching the full-text query, best match first. */
export const searchQuery = shapes(
  (named: boolean, reads: Reads) => `${named}|${reads.key}`,
  (named: boolean, reads: Reads) =>
    q(
      'objects.search',
      `CALL db.index.fulltext.queryNodes('attack_object_search', $search) YIELD node AS n, score
   WHERE ${inRelease('n', named)} AND ${visible('n')} AND any(l IN labels(n) WHERE l IN $labels)
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

/** The visible tactics `n` of the release, each with its `position` in its domain's current matrix. */
export const tactics = (
  named: boolean,
) => `MATCH (n:Tactic) WHERE ${inRelease('n', named)} AND ${visible('n')}
   OPTIONAL MATCH (m:Matrix)-[r:HAS_TACTIC]->(n) WHERE ${active('m')}
   WITH n, min(r.order) AS position`;

/** Matrix order: enterprise, mobile, then ICS, each in its matrix's order. */
export const tacticsOrder = (x: string) => `ORDER BY ${domainRank(x)}, position, ${orderBy(x)}`;

/** Tactics in the order their domain's current matrix lists them (enterprise, mobile, then ICS). */
export const tacticsQuery = shapes(
  (named: boolean, keys: Projection) => `${named}|${keys.join(',')}`,
  (named: boolean, keys: Projection) =>
    q(
      'objects.tactics',
      `${tactics(named)}
   ${tacticsOrder('n')}
   RETURN ${project('n', keys)} AS node`,
    ),
);

interface NodeResult<T = NodeRow> {
  node: T;
}

/** Distinct refs of `refs`, as the `$keys` of a query that matches by (stixId, release). */
export const keysParam = (refs: readonly ReleaseRef[]) => [
  ...new Map(refs.map((r) => [refKey(r), { stixId: r.stixId, release: r.release }])).values(),
];

const COMPLETE_BY_REFS = q(
  'objects.complete',
  `UNWIND $keys AS key MATCH (n:AttackObject {stixId: key.stixId}) WHERE ${matchesRef('n', 'key')}
   RETURN key, ${projectComplete('n')} AS node`,
);

const CORE_BY_REFS = q(
  'objects.core',
  `UNWIND $keys AS key MATCH (n:AttackObject {stixId: key.stixId}) WHERE ${matchesRef('n', 'key')}
   RETURN key, ${project('n', CORE)} AS node`,
);

/** The nodes `query` reads for `refs`, in the order of `refs` (null for an unknown one). */
async function byRefs<T extends NodeRow>(
  db: ReadExecutor,
  query: Query,
  refs: readonly ReleaseRef[],
): Promise<(T | null)[]> {
  if (refs.length === 0) return [];
  const rows = rowsAs<NodeResult<T> & { key: ReleaseRef }>(await db.read(query, { keys: keysParam(refs) }));
  const byRef = new Map(rows.map((r) => [refKey(r.key), r.node]));
  return refs.map((ref) => byRef.get(refKey(ref)) ?? null);
}

/**
 * The core properties of each node in `refs` (a null release: the newest release's), in the order
 * of `refs` (null for an unknown one).
 */
export const fetchCore = (db: ReadExecutor, refs: readonly ReleaseRef[]) =>
  byRefs<CoreRow>(db, CORE_BY_REFS, refs);

/** The nodes of `label` with these refs, in the order of `refs` (null for an unknown one). */
export const fetchByRefs = (db: ReadExecutor, label: Label, refs: readonly ReleaseRef[]) =>
  byRefs<CompleteRow>(db, byRefsQuery(label), refs);

/** Every property of each node in `refs`, in the order of `refs` (null for an unknown one). */
export const fetchComplete = (db: ReadExecutor, refs: readonly ReleaseRef[]) =>
  byRefs<CompleteRow>(db, COMPLETE_BY_REFS, refs);

export interface LookupKeys {
  stixId?: string | null;
  attackId?: string | null;
  name?: string | null;
  shortname?: string | null;
  domain?: Domain | null;
  /** The release to look in; the newest imported when absent. */
  release?: ReleaseArg;
}

/**
 * Where a lookup's `i`th level read ahead keeps its parameters (`$l3.limit`): short, as each name
 * goes out on every request, in the text some seventy times for a page of lists.
 */
const aheadPrefix = (i: number) => `l${i}`;
/** The items of the `i`th level read ahead, as the lookup statement names them. */
const itemsName = (i: number) => `items${i}`;

/**
 * The parameters of the levels `ahead`, kept per list of levels: a field's levels are worked out
 * once per field of a document (see `levelsAhead`), and every request that sends it copies them.
 */
const aheadParams = keptPer((ahead: readonly Level[]) => {
  const params: Record<string, unknown> = {};
  for (const [i, level] of ahead.entries()) addNestedParams(params, level, aheadPrefix(i));
  return params;
});

/**
 * One object by one of its keys, with the properties `projection` names (every property without),
 * and with `ahead` its page of each of those levels in the same statement (see `nestedItems`): one
 * round trip for an object and its lists. `pages` line up with `ahead`.
 */
export async function lookupAhead(
  db: ReadExecutor,
  label: Label,
  keys: LookupKeys,
  projection?: Projection,
  ahead: readonly Level[] = [],
): Promise<{ node: NodeRow | null; pages: Page<RelatedItem>[] }> {
  const params = {
    stixId: keys.stixId ?? null,
    attackId: keys.attackId ?? null,
    name: keys.name ?? null,
    shortname: keys.shortname ?? null,
    domain: keys.domain ?? null,
  };
  const given = LOOKUP_KEY_NAMES.filter((k) => params[k] !== null);
  const all = { ...aheadParams(ahead), ...params, ...releaseParams(keys.release) };
  const [row] = await db.read(lookupQuery(label, isNamed(keys.release), given, projection, ahead), all);
  const found = row ? rowsAs<NodeResult & { pages: NestedPage[] }>([row])[0] : undefined;
  if (!found) return { node: null, pages: [] };
  return {
    node: found.node,
    pages: found.pages.map((page, i) => relatedPage(page, (ahead[i] as Level).reads)),
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
  release?: ReleaseArg;
}

export async function fetchList(
  db: ReadExecutor,
  label: Label,
  filters: ListFilters,
  reads: Reads = EVERYTHING,
): Promise<Page<NodeRow>> {
  const search = filters.search?.trim();
  const named = isNamed(filters.release);
  const [row] = await db.read(
    search ? listSearchQuery(label, named, reads) : listQuery(label, named, reads),
    {
      ...visibilityParams(filters),
      ...releaseParams(filters.release),
      platform: filters.platform ?? null,
      tactic: filters.tactic ?? null,
      includeSubtechniques: filters.includeSubtechniques ?? true,
      search: search ? escapeLucene(search) : null,
      offset: filters.offset,
      limit: filters.limit,
    },
  );
  return pageFrom(rowsAs<PageResult<NodeRow>>(row ? [row] : [])[0]);
}

export async function fetchSearch(
  db: ReadExecutor,
  text: string,
  labels: readonly Label[],
  options: Visibility & Window & { release?: ReleaseArg },
  reads: Reads = EVERYTHING,
): Promise<Page<{ node: NodeRow; score: number }>> {
  const search = escapeLucene(text.trim());
  if (!search) return { totalCount: 0, items: [] };
  const [row] = await db.read(searchQuery(isNamed(options.release), reads), {
    ...visibilityParams(options),
    ...releaseParams(options.release),
    search,
    labels: labels.map((l) => LABELS[l]),
    offset: options.offset,
    limit: options.limit,
  });
  return pageFrom(rowsAs<PageResult<{ node: NodeRow; score: number }>>(row ? [row] : [])[0]);
}

export async function fetchTactics(
  db: ReadExecutor,
  options: Visibility & { release?: ReleaseArg },
  keys: Projection = EVERYTHING.node,
): Promise<NodeRow[]> {
  const rows = await db.read(tacticsQuery(isNamed(options.release), keys), {
    ...visibilityParams(options),
    ...releaseParams(options.release),
  });
  return rowsAs<NodeResult>(rows).map((r) => r.node);
}
