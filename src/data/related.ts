import { CYPHER_PARAMETER, type Query, type ReadExecutor } from '../neo4j/executor.ts';
import {
  active,
  CORE,
  DEFAULT_VIA,
  keptPer,
  type NodeRef,
  type NodeRow,
  orderBy,
  type Page,
  type PageResult,
  type Projection,
  pageFrom,
  project,
  q,
  refKey,
  rowsAs,
  SKIP_LIMIT,
  shapes,
  slice,
  VIAS,
  type Via,
  type Visibility,
  visibilityParams,
  visible,
  type Window,
} from './rows.ts';

export { DEFAULT_VIA, VIAS, type Via } from './rows.ts';

/** One item of a related list: the node, plus what the relationship says about it (when read). */
export interface RelatedItem {
  node: NodeRow;
  description?: string | null;
  referencesJson?: string | null;
  via?: Via[];
  techniques?: NodeRow[];
  subtechniques?: NodeRow[];
  name?: string | null;
  channel?: string | null;
}

/**
 * What one level of a related list reads: the operation's selection there. Edge extras are read
 * only when selected, and the list is counted only when `totalCount` (or `hasNextPage`) is.
 */
export interface Reads {
  /** The properties of the listed nodes. */
  node: Projection;
  count: boolean;
  /** The relationship's text (`description`) and its citations (`referencesJson`). */
  text: boolean;
  references: boolean;
  via: boolean;
  /** The nodes carried on each edge (a tactic's group's techniques), with what they read; null when not selected. */
  techniques: Projection | null;
  subtechniques: Projection | null;
  /** Equal for equal reads: part of the query's and the loader's cache keys. */
  key: string;
}

export type ReadsOf = Omit<Reads, 'key'>;

export const readsOf = (r: ReadsOf): Reads => ({
  ...r,
  key: [
    r.node.join(','),
    [r.count, r.text, r.references, r.via].map((b) => (b ? 1 : 0)).join(''),
    r.techniques?.join(',') ?? '-',
    r.subtechniques?.join(',') ?? '-',
  ].join('|'),
});

/** Reads for callers with no selection to go by (tests, internal lookups): everything, with core nodes. */
export const EVERYTHING = readsOf({
  node: CORE,
  count: true,
  text: true,
  references: true,
  via: true,
  techniques: CORE,
  subtechniques: CORE,
});

/** Only these node properties: for single-valued relations (a parent, a data source). */
export const nodesOnly = (node: Projection, count = false): Reads =>
  readsOf({ node, count, text: false, references: false, via: false, techniques: null, subtechniques: null });

/**
 * A per-parent body's items as one list expression. A `COLLECT` subquery, not `CALL` and
 * `collect()`: Neo4j runs it as a nested loop with no aggregation (a tenth of the one-hop lookup's
 * statement time). It sees every variable in scope, and a body declares its own (`n`, `r`, `t`,
 * ...), which Neo4j refuses to declare again (or, in a subquery nested deeper, binds to the outer
 * one: see `subtechniquesOf` in matrix.ts). So only `p` and names of our own (`key`, `position`,
 * `items0`, ...) may be in scope where it is used.
 */
const itemsOf = (body: string) => `COLLECT {${body}}`;

/**
 * Wraps a per-parent `body` (which sees `p` and returns a row per item, `item`) into one query for a
 * batch of parents. A counted body returns every item and is sliced here; an uncounted one
 * already returns only its page (see `pageOf`).
 */
export const batched = (name: string, body: string, count: boolean): Query =>
  q(
    name,
    `
UNWIND $keys AS key
MATCH (p:AttackObject {stixId: key.stixId, release: key.release})
WITH key, ${itemsOf(body)} AS items
RETURN key.stixId AS stixId, key.release AS release, ${count ? `size(items) AS totalCount, ${slice('items')}` : 'items'} AS items`,
  );

/**
 * The end of every per-parent body: rows carrying `vars`, in `order`, each returned as its `item`.
 * Without a count only the page is returned, so Neo4j sorts only as far as it needs.
 */
export const pageOf = (reads: Reads, vars: readonly string[], item: string, order = orderBy('n')) => `
  WITH ${vars.join(', ')} ORDER BY ${order}${reads.count ? '' : ` ${SKIP_LIMIT}`}
  RETURN ${item} AS item`;

/** The one property a projection reads, when it reads one (not `nodeLabels`, which is a list of its own). */
const soleKey = (keys: Projection) => (keys.length === 1 && keys[0] !== 'nodeLabels' ? keys[0] : null);

/**
 * Node `x` as an item carries it: its map, or, when the level reads one property (`attackId` alone:
 * the matrix's sub-techniques, the headline's groups and their techniques), that property's value,
 * a map less per node for Neo4j to encode and the API to decode (a tenth of the headline
 * statement's time). `nodeFromItem` makes it a map again.
 */
export const projectItem = (x: string, keys: Projection) => {
  const key = soleKey(keys);
  return key ? `${x}.${key}` : project(x, keys);
};

/** A node as `projectItem` wrote it, as a row. */
const nodeFromItem = (value: unknown, keys: Projection): NodeRow => {
  const key = soleKey(keys);
  return (key ? { [key]: value } : value) as NodeRow;
};

/**
 * The literal of one item: `{node: ..., <extras>}`, extras being `key: expression` pairs. An item
 * without extras is its node itself (see `projectItem`), one map less per item for Neo4j to encode
 * and the API to decode (the one-hop lists, the headline's groups, the matrix's sub-techniques);
 * `relatedPage` wraps it back.
 */
export const itemOf = (node: string, reads: Reads, extras: Record<string, string | false> = {}) => {
  const parts = Object.entries(extras).filter((e): e is [string, string] => e[1] !== false);
  const projected = projectItem(node, reads.node);
  return parts.length === 0
    ? projected
    : `{node: ${projected}${parts.map(([k, v]) => `, ${k}: ${v}`).join('')}}`;
};

/** An item as a statement returns it (see `itemOf`): a node, or a map with `node` and the extras. */
export type ItemResult = RelatedItem | NodeRow | string | null;

/** No node map has a `node` key (see `NODE_KEYS`), so a map with one is an item with extras. */
const isWrapped = (item: ItemResult): item is RelatedItem =>
  typeof item === 'object' && item !== null && !Array.isArray(item) && 'node' in item;

/** An item as a `RelatedItem` whose nodes are rows, for the reads it was written for. */
function itemFrom(item: ItemResult, reads: Reads): RelatedItem {
  if (!isWrapped(item)) return { node: nodeFromItem(item, reads.node) };
  const out: RelatedItem = { ...item, node: nodeFromItem(item.node, reads.node) };
  // The node lists an edge carries, each written for its own projection.
  for (const key of ['techniques', 'subtechniques'] as const) {
    const list = item[key];
    const keys = reads[key];
    if (list && keys) out[key] = list.map((t) => nodeFromItem(t, keys));
  }
  return out;
}

/** A statement's page of related items for `reads` as a `Page` (none at all: an empty page of unknown size). */
export const relatedPage = (row: PageResult<ItemResult> | undefined, reads: Reads): Page<RelatedItem> =>
  pageFrom(row && { totalCount: row.totalCount, items: row.items.map((item) => itemFrom(item, reads)) });

/** The relationship `r`'s text and citations, when selected. */
export const useText = (reads: Reads) => ({
  description: reads.text && 'r.description',
  referencesJson: reads.references && 'r.referencesJson',
});

/**
 * A level nested in each item of a list (the matrix: each technique's sub-techniques): `clause`
 * runs once per listed node `n`, keeps every variable and adds `as`, which the item then carries.
 */
export interface PerItem {
  clause: string;
  as: string;
}

/** Nodes `n` one `match` away from `p`; with `withText`, `r` is the relationship whose text an edge shows. */
const simple =
  (match: string, withText = false, where = '') =>
  (reads: Reads, per?: PerItem) => {
    const text = withText && (reads.text || reads.references);
    const rel = withText ? ` AND ${active('r')}` : '';
    const vars = [...(text ? ['n', 'r'] : ['n']), ...(per ? [per.as] : [])];
    const extras = { ...(text ? useText(reads) : {}), ...(per ? { [per.as]: per.as } : {}) };
    return `
  MATCH ${match}
  WHERE ${visible('n')}${rel}${where ? ` AND ${where}` : ''}
  WITH ${text ? 'n, head(collect(r)) AS r' : 'DISTINCT n'}${per ? per.clause : ''}
  ${pageOf(reads, vars, itemOf('n', reads, extras))}`;
  };

/** Distinct nodes `n` that any of the `branches` (each `MATCH ... RETURN n` from `p`) finds. */
const anyOf =
  (...branches: string[]) =>
  (reads: Reads) =>
    `
  CALL (p) {
    ${branches.join('\n    UNION\n    ')}
  }
  WITH DISTINCT n WHERE ${visible('n')}
  ${pageOf(reads, ['n'], itemOf('n', reads))}`;

/** Data components that detect technique `p`: directly, or through a detection strategy's analytics. */
const TECHNIQUE_DATA_COMPONENTS = anyOf(
  'MATCH (p)<-[:DETECTS]-(n:DataComponent) RETURN n',
  `MATCH (p)<-[:DETECTS]-(s:DetectionStrategy)-[:HAS_ANALYTIC]->(a:Analytic)-[:LOGS_FROM]->(n:DataComponent)
    WHERE ${active('s')} AND ${active('a')}
    RETURN n`,
);

/** Techniques data component `p` detects: directly, or through analytics that log from it. */
const DATA_COMPONENT_TECHNIQUES = anyOf(
  'MATCH (p)-[:DETECTS]->(n:Technique) RETURN n',
  `MATCH (p)<-[:LOGS_FROM]-(a:Analytic)<-[:HAS_ANALYTIC]-(s:DetectionStrategy)-[:DETECTS]->(n:Technique)
    WHERE ${active('s')} AND ${active('a')}
    RETURN n`,
);

const ANALYTIC_LOG_SOURCES = (reads: Reads) => `
  MATCH (p)-[r:LOGS_FROM]->(n:DataComponent)
  WHERE ${visible('n')}
  ${pageOf(reads, ['n', 'r'], itemOf('n', reads, { name: 'r.name', channel: 'r.channel' }), `${orderBy('n')}, r.name, r.channel`)}`;

const MATRIX_TACTICS = (reads: Reads) => `
  MATCH (p)-[r:HAS_TACTIC]->(n:Tactic)
  WHERE ${visible('n')}
  ${pageOf(reads, ['n', 'r'], itemOf('n', reads), `r.order, ${orderBy('n')}`)}`;

/** The objects that replaced `p`, hop by hop, ending with the current replacement. Always counted. */
const REVOCATION_CHAIN = (reads: Reads) => `
  OPTIONAL MATCH path = (p)-[:REVOKED_BY*1..32]->(n:AttackObject)
  WHERE NOT (n)-[:REVOKED_BY]->()
  WITH path ORDER BY length(path) DESC LIMIT 1
  UNWIND CASE WHEN path IS NULL THEN [] ELSE [x IN tail(nodes(path)) | ${itemOf('x', reads)}] END AS item
  RETURN item`;

/**
 * A per-parent body; the bodies that can nest a level in their items (`simple`) take `per`, and the
 * usage bodies (usage.ts) write only the usage `paths` given (all of them, filtered by `$via`, when none are).
 */
type Body = (reads: Reads, per?: PerItem, paths?: readonly Via[]) => string;

const SPECS = {
  'tactic.techniques': simple(
    '(p)<-[:IN_TACTIC]-(n:Technique)',
    false,
    '($includeSubtechniques OR NOT coalesce(n.isSubtechnique, false))',
  ),
  'technique.tactics': simple('(p)-[:IN_TACTIC]->(n:Tactic)'),
  'technique.parent': simple('(p)-[:SUBTECHNIQUE_OF]->(n:Technique)'),
  'technique.subtechniques': simple('(p)<-[:SUBTECHNIQUE_OF]-(n:Technique)'),
  'technique.software': simple('(p)<-[r:USES]-(n:Software)', true),
  'technique.campaigns': simple('(p)<-[r:USES]-(n:Campaign)', true),
  'technique.mitigations': simple('(p)<-[r:MITIGATES]-(n:Mitigation)', true),
  'technique.detectionStrategies': simple('(p)<-[:DETECTS]-(n:DetectionStrategy)'),
  'technique.dataComponents': TECHNIQUE_DATA_COMPONENTS,
  'technique.targets': simple('(p)-[:TARGETS]->(n:Asset)'),
  'group.software': simple('(p)-[r:USES]->(n:Software)', true),
  'group.campaigns': simple('(p)<-[:ATTRIBUTED_TO]-(n:Campaign)'),
  'software.groups': simple('(p)<-[r:USES]-(n:Group)', true),
  'software.campaigns': simple('(p)<-[r:USES]-(n:Campaign)', true),
  'mitigation.techniques': simple('(p)-[r:MITIGATES]->(n:Technique)', true),
  'campaign.software': simple('(p)-[r:USES]->(n:Software)', true),
  'campaign.groups': simple('(p)-[:ATTRIBUTED_TO]->(n:Group)'),
  'detectionStrategy.analytics': simple('(p)-[:HAS_ANALYTIC]->(n:Analytic)'),
  'detectionStrategy.techniques': simple('(p)-[:DETECTS]->(n:Technique)'),
  'analytic.detectionStrategies': simple('(p)<-[:HAS_ANALYTIC]-(n:DetectionStrategy)'),
  'analytic.logSources': ANALYTIC_LOG_SOURCES,
  'dataComponent.dataSource': simple('(p)-[:PART_OF]->(n:DataSource)'),
  'dataComponent.analytics': simple('(p)<-[:LOGS_FROM]-(n:Analytic)'),
  'dataComponent.techniques': DATA_COMPONENT_TECHNIQUES,
  'dataSource.dataComponents': simple('(p)<-[:PART_OF]-(n:DataComponent)'),
  'asset.techniques': simple('(p)<-[:TARGETS]-(n:Technique)'),
  'matrix.tactics': MATRIX_TACTICS,
  'object.revocationChain': REVOCATION_CHAIN,
} satisfies Record<string, Body>;
export type Relation = keyof typeof SPECS;

/**
 * A family of queries: one name, one Cypher text per selection shape, built on first use and kept
 * (a schema has few shapes; the bound only guards against a client that invents endless ones).
 */
export interface Family {
  name: string;
  /**
   * The per-parent body for these reads (sees `p`, returns `items`): for statements that nest
   * levels. A body that cannot nest one in its items ignores `per`, so its items lack `per.as`.
   */
  body(reads: Reads, per?: PerItem, paths?: readonly Via[]): string;
  /** The query for these reads and paths; equal ones get the same query object. */
  shape(reads: Reads, paths?: readonly Via[]): Query;
}

export function family(name: string, body: Body): Family {
  return {
    name,
    body,
    shape: shapes(
      (reads: Reads, paths?: readonly Via[]) => `${reads.key}|${paths?.join(',') ?? '*'}`,
      (reads: Reads, paths?: readonly Via[]) => batched(name, body(reads, undefined, paths), reads.count),
    ),
  };
}

/** One query family per relation, built from the constant table above. */
export const RELATED = Object.fromEntries(
  Object.entries(SPECS).map(([relation, body]) => [relation, family(`related.${relation}`, body)]),
) as Record<Relation, Family>;

export interface RelatedOptions extends Visibility, Window {
  includeSubtechniques?: boolean | null;
  via?: readonly Via[] | null;
  rollUp?: boolean | null;
}

/**
 * The usage paths `options` asks for, in the order of VIAS: part of a usage body's shape. None asked
 * for writes them all, each finding nothing under its `$via` filter (a `UNION` needs a branch).
 */
export const pathsOf = (options: RelatedOptions): readonly Via[] => {
  const via = options.via ?? DEFAULT_VIA;
  const paths = VIAS.filter((v) => via.includes(v));
  return paths.length > 0 ? paths : VIAS;
};

/** What makes `level`'s Cypher in a statement that nests it: its family, reads and usage paths (kept per level). */
export const levelKey = keptPer(
  (level: Level) => `${level.of.name}|${level.reads.key}|${pathsOf(level.options).join(',')}`,
);

/** The parameters every per-parent body reads, for `options`. */
export const pageParams = (options: RelatedOptions) => ({
  ...visibilityParams(options),
  offset: options.offset,
  limit: options.limit,
  includeSubtechniques: options.includeSubtechniques ?? false,
  via: options.via ?? DEFAULT_VIA,
  rollUp: options.rollUp ?? false,
});

/** One level of a related list inside a bigger statement: which family, what it reads, with which options. */
export interface Level {
  of: Family;
  reads: Reads;
  options: RelatedOptions;
}

/*
 * A statement that reads several levels at once runs each level's body with its own parameters:
 * `$offset` of the techniques is not `$offset` of their sub-techniques. Each level's Cypher reads
 * them from one map parameter named by the level's prefix (`$l0.offset`), so the bodies stay the
 * ones written once above, and a request sends each level's map as it was kept, not copied key by
 * key into one flat map of some seventy parameters.
 */
const scoped = (cypher: string, prefix: string) => cypher.replace(CYPHER_PARAMETER, `$${prefix}.$1`);

/** The page parameters a level's Cypher reads: its body's, and the window its page is cut to. */
const namesRead = shapes(levelKey, (level: Level) => {
  const body = level.of.body(level.reads, undefined, pathsOf(level.options));
  return new Set(['offset', 'limit', ...Array.from(body.matchAll(CYPHER_PARAMETER), (m) => m[1])]);
});

/** `level`'s page parameters, only those its Cypher reads (kept per level). */
const pageParamsOf = keptPer((level: Level) => {
  const names = namesRead(level);
  return Object.fromEntries(Object.entries(pageParams(level.options)).filter(([k]) => names.has(k)));
});

/**
 * Adds `level`'s parameters as the map `prefix` to `into`, for a statement built with
 * `nestedItems(level, prefix)`. A request reads several levels: this runs for each of them.
 */
export function addNestedParams(into: Record<string, unknown>, level: Level, prefix: string) {
  into[prefix] = pageParamsOf(level);
  return into;
}

/** Where `per`'s clause goes in a scoped body: it is scoped with its own level's prefix already. */
const PER_ITEM = '/*per-item*/';

/**
 * `level`'s items of parent `p` inside a bigger statement, as a list expression (see `itemsOf` for
 * what may be in scope where it is used); `per` nests a further level in each item (see `PerItem`).
 * `nestedPageOf` makes them the page `fetchPages` would.
 */
export const nestedItems = (level: Level, prefix: string, per?: PerItem) =>
  scoped(
    itemsOf(level.of.body(level.reads, per && { clause: PER_ITEM, as: per.as }, pathsOf(level.options))),
    prefix,
  )
    .split(PER_ITEM)
    .join(per?.clause ?? '');

/** The page the list `items` (from `nestedItems`) makes: a map with `items` and, when counted, `totalCount`. */
export const nestedPageOf = (level: Level, prefix: string, items: string) =>
  level.reads.count
    ? scoped(`{totalCount: size(${items}), items: ${slice(items)}}`, prefix)
    : `{items: ${items}}`;

/** A page as a nested statement returns it (see `nestedPageOf`). */
export interface NestedPage {
  totalCount?: number;
  items: ItemResult[];
}

interface PageRow extends NodeRef {
  /** Absent unless the reads counted. */
  totalCount?: number;
  items: ItemResult[];
}

/**
 * Runs one family's query for a batch of parents, each named by (stixId, release); pages line up
 * with `refs` (empty for unknown ones).
 */
export async function fetchPages(
  db: ReadExecutor,
  of: Family,
  reads: Reads,
  refs: readonly NodeRef[],
  options: RelatedOptions,
): Promise<Page<RelatedItem>[]> {
  const keys = [...new Map(refs.map((r) => [refKey(r), { stixId: r.stixId, release: r.release }])).values()];
  if (keys.length === 0) return [];
  const rows = await db.read(of.shape(reads, pathsOf(options)), { keys, ...pageParams(options) });
  const byRef = new Map<string, Page<RelatedItem>>();
  for (const row of rowsAs<PageRow>(rows)) byRef.set(refKey(row), relatedPage(row, reads));
  return refs.map((ref) => byRef.get(refKey(ref)) ?? { totalCount: reads.count ? 0 : null, items: [] });
}

export const fetchRelated = (
  db: ReadExecutor,
  relation: Relation,
  ids: readonly NodeRef[],
  options: RelatedOptions,
  reads: Reads = EVERYTHING,
) => fetchPages(db, RELATED[relation], reads, ids, options);
