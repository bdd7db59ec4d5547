import { DOMAINS } from '../model.ts';
import type { Query, Row } from '../neo4j/executor.ts';

/** The labels an API type maps to; Cypher takes labels only from this table, never from input. */
export const LABELS = {
  Tactic: 'Tactic',
  Technique: 'Technique',
  Group: 'Group',
  Software: 'Software',
  Malware: 'Malware',
  Tool: 'Tool',
  Mitigation: 'Mitigation',
  Campaign: 'Campaign',
  DataSource: 'DataSource',
  DataComponent: 'DataComponent',
  DetectionStrategy: 'DetectionStrategy',
  Analytic: 'Analytic',
  Asset: 'Asset',
  Matrix: 'Matrix',
} as const;
export type Label = keyof typeof LABELS;
export const LABEL_NAMES = Object.keys(LABELS) as Label[];

export { DOMAINS };
export type Domain = (typeof DOMAINS)[number];
export const isDomain = (d: string): d is Domain => (DOMAINS as readonly string[]).includes(d);

/** How a usage was found: the object's own `uses`, its attributed campaigns' or its software's. */
export const VIAS = ['DIRECT', 'CAMPAIGN', 'SOFTWARE'] as const;
export type Via = (typeof VIAS)[number];
/** The paths a usage field follows when none are asked for: the object's own `uses`. */
export const DEFAULT_VIA = ['DIRECT'] as const satisfies readonly Via[];

type Text = string | null;
type Strings = string[] | null;

/**
 * One ATT&CK object as stored: common properties plus every type-specific one. A row carries the
 * properties its query projected (see `project`), each `null` when the node lacks it, and only
 * those; `complete` rows carry all of them. The Cypher beside each row type is its contract: rows
 * are not re-validated on the way in (they are the API's own projections, and parsing every row
 * cost more than the rest of the request).
 */
export interface StoredNode {
  stixId: string;
  /** The ATT&CK release whose snapshot holds the node (see docs/architecture.md). */
  release: string;
  stixType: string;
  attackId: Text;
  name: string;
  description: Text;
  url: Text;
  domains: Strings;
  platforms: Strings;
  aliases: Strings;
  version: Text;
  created: Text;
  modified: Text;
  revoked: boolean | null;
  deprecated: boolean | null;
  contributors: Strings;
  referencesJson: Text;
  shortname: Text;
  isSubtechnique: boolean | null;
  detection: Text;
  dataSources: Strings;
  permissionsRequired: Strings;
  effectivePermissions: Strings;
  defenseBypassed: Strings;
  systemRequirements: Strings;
  remoteSupport: boolean | null;
  impactType: Strings;
  tacticType: Strings;
  labels: Strings;
  firstSeen: Text;
  lastSeen: Text;
  firstSeenCitation: Text;
  lastSeenCitation: Text;
  collectionLayers: Strings;
  logSourcesJson: Text;
  mutableElementsJson: Text;
  sectors: Strings;
  relatedAssetsJson: Text;
}
export type NodeKey = Exclude<keyof StoredNode, 'stixId'>;

/** Every stored property a query may project: the names in Cypher come only from this table. */
const NODE_KEY_TABLE: Record<NodeKey, true> = {
  release: true,
  stixType: true,
  attackId: true,
  name: true,
  description: true,
  url: true,
  domains: true,
  platforms: true,
  aliases: true,
  version: true,
  created: true,
  modified: true,
  revoked: true,
  deprecated: true,
  contributors: true,
  referencesJson: true,
  shortname: true,
  isSubtechnique: true,
  detection: true,
  dataSources: true,
  permissionsRequired: true,
  effectivePermissions: true,
  defenseBypassed: true,
  systemRequirements: true,
  remoteSupport: true,
  impactType: true,
  tacticType: true,
  labels: true,
  firstSeen: true,
  lastSeen: true,
  firstSeenCitation: true,
  lastSeenCitation: true,
  collectionLayers: true,
  logSourcesJson: true,
  mutableElementsJson: true,
  sectors: true,
  relatedAssetsJson: true,
};
export const NODE_KEYS = Object.keys(NODE_KEY_TABLE) as NodeKey[];
export const isNodeKey = (k: string): k is NodeKey => Object.hasOwn(NODE_KEY_TABLE, k);

/**
 * A node row: the stored properties its query projected. `stixId` is there whenever the level
 * selects a field that needs the node's key (its id, a relationship, a fallback read), and
 * `nodeLabels` whenever its type is abstract (an interface resolves its object type by them); a
 * row of a concrete type without them is of the type its query matched.
 */
export type NodeRow = Pick<StoredNode, 'stixId'> &
  Partial<StoredNode> & {
    // `nodeLabels`, not `labels`: software keeps its STIX `labels` property under that name.
    nodeLabels?: string[];
    /** Set when the row carries every stored property. */
    complete?: boolean;
  };

/** A row with every stored property: lookups by STIX id, the relay `node` field, analyst results. */
export type CompleteRow = StoredNode & { nodeLabels: string[]; complete: true };

/** A row of the `CORE` projection: enough to type, order and name a node; the rest is read on demand. */
export type CoreRow = NodeRow &
  Pick<
    StoredNode,
    'stixType' | 'attackId' | 'name' | 'revoked' | 'deprecated' | 'isSubtechnique' | 'shortname'
  > & {
    nodeLabels: string[];
  };

/** What a projection may name: a stored property, the key, or the labels. */
export type ProjectedKey = NodeKey | 'stixId' | 'nodeLabels';
const PROJECTED_KEYS: readonly ProjectedKey[] = ['stixId', ...NODE_KEYS, 'nodeLabels'];

/**
 * What one level reads of its nodes, in a fixed order without repeats: what the operation
 * selects there.
 */
export type Projection = readonly ProjectedKey[];

/**
 * Normalises a set of keys into a projection (the order makes equal selections share a query).
 * A node's key is (stixId, release): whoever reads the STIX id to follow the node also reads its
 * release, so follow-up reads stay in the node's snapshot.
 */
export const projection = (keys: Iterable<string>): Projection => {
  const wanted = new Set(keys);
  if (wanted.has('stixId')) wanted.add('release');
  return PROJECTED_KEYS.filter((k) => wanted.has(k));
};

/** A node's identity: the same STIX id exists once per release (docs/architecture.md). */
export interface NodeRef {
  stixId: string;
  release: string;
}

/** A node by STIX id in a named release, or (release null) in the newest one, `:Current`. */
export interface ReleaseRef {
  stixId: string;
  release: string | null;
}

/** `ref` as a string key: for DataLoader caches and maps (a space separates; neither part has one). */
export const refKey = (ref: ReleaseRef) => `${ref.stixId} ${ref.release ?? ''}`;

/**
 * Matches node `x` of the ref `key` (a map with `stixId` and `release`, see `ReleaseRef`) after the
 * STIX id's index found its candidates (one per release).
 */
export const matchesRef = (x: string, key: string) =>
  `(${x}.release = ${key}.release OR (${key}.release IS NULL AND ${x}:Current))`;

/**
 * The key of the node a row names. Every projection that reads the STIX id reads the release too
 * (see `projection`), so a row without it is a bug, not a default.
 */
export function refOf(row: Pick<StoredNode, 'stixId'> & { release?: string | null }): NodeRef {
  if (typeof row.release !== 'string') throw new Error(`row ${row.stixId} was read without its release`);
  return { stixId: row.stixId, release: row.release };
}

/** `ids` of one release as refs. */
export const refsOf = (ids: readonly string[], release: string): NodeRef[] =>
  ids.map((stixId) => ({ stixId, release }));

/**
 * The release an entry point reads: a named one, or null for the default (the newest imported,
 * the nodes labelled `:Current`).
 */
export type ReleaseArg = string | null | undefined;

/**
 * The one entry-point predicate on node `x`: `:Current` when no release is named (the label is
 * as cheap as the query without releases), `x.release = $release` when one is. Queries built with
 * it are shaped per `named` (see `shapes`) and take `$release` (see `releaseParams`).
 */
export const inRelease = (x: string, named: boolean) => (named ? `${x}.release = $release` : `${x}:Current`);

/** Whether `release` names a release (shape keys use it: each case has its own Cypher). */
export const isNamed = (release: ReleaseArg): release is string => release != null;

export const releaseParams = (release: ReleaseArg) => ({ release: release ?? null });

/** A query per case of `inRelease`, each built once; pick the request's with its release. */
export function perRelease(build: (named: boolean) => Query) {
  const current = build(false);
  const named = build(true);
  return (release: ReleaseArg) => (isNamed(release) ? named : current);
}

/**
 * A node's id where an id must name its release: `<stixId>@<release>` (the relay global id's, and
 * the analyst queries' ids when a release is named). A bare STIX id names the newest release's node.
 */
export const nodeIdOf = (ref: { stixId: string; release?: string | null }) =>
  ref.release ? `${ref.stixId}@${ref.release}` : ref.stixId;

/** The ref a node id names (see `nodeIdOf`). */
export function refOfNodeId(id: string): ReleaseRef {
  const at = id.lastIndexOf('@');
  return at < 0 ? { stixId: id, release: null } : { stixId: id.slice(0, at), release: id.slice(at + 1) };
}

/** The STIX ids of node ids, for queries that match by STIX id within one release. */
export const stixIdsOf = (ids: readonly string[]) => ids.map((id) => refOfNodeId(id).stixId);

/**
 * Node `x`'s id as an analyst query returns it: the bare STIX id in the newest release (as
 * before releases), `nodeIdOf`'s form in a named one, so its results load from that release.
 */
export const idOf = (x: string, named: boolean) =>
  named ? `${x}.stixId + '@' + ${x}.release` : `${x}.stixId`;

/** What lists read when the caller has no selection to go by: the properties every type shows. */
export const CORE: Projection = projection([
  'stixId',
  'release',
  'nodeLabels',
  'stixType',
  'attackId',
  'name',
  'revoked',
  'deprecated',
  'isSubtechnique',
  'shortname',
]);

/*
 * The Cypher shapes every repository builds from. Each is written once, here.
 */

export const q = (name: string, cypher: string): Query => ({ name, cypher });

/** Hides revoked and deprecated nodes unless asked, and keeps to one domain when asked. */
export const visible = (x: string) =>
  `($includeRevoked OR NOT coalesce(${x}.revoked, false))` +
  ` AND ($includeDeprecated OR NOT coalesce(${x}.deprecated, false))` +
  ` AND ($domain IS NULL OR $domain IN ${x}.domains)`;

/** Intermediate objects of an inferred path (a campaign, a software) must be active (neither revoked nor deprecated). */
export const active = (x: string) =>
  `NOT coalesce(${x}.revoked, false) AND NOT coalesce(${x}.deprecated, false)`;

/**
 * The stable order of every list: ATT&CK ID, then name, then STIX id to break ties (compareObjects,
 * src/model.ts), as the node's `ordinal` in its release, which the importer keeps (import/ordinals.ts).
 * One number to sort on instead of three properties, two of them long strings.
 */
export const orderBy = (x: string) => `${x}.ordinal`;

/** Enterprise before mobile before ICS: which of an object's domains ranks first when no domain is given. */
export const domainRank = (x: string) =>
  `CASE WHEN 'enterprise-attack' IN ${x}.domains THEN 0 WHEN 'mobile-attack' IN ${x}.domains THEN 1 ELSE 2 END`;

/** Node variable `x` as a row of the projected properties (`nodeLabels` from its labels). */
export const project = (x: string, keys: Projection) =>
  `${x} {${keys.map((k) => (k === 'nodeLabels' ? `nodeLabels: labels(${x})` : `.${k}`)).join(', ')}}`;

/** Projects node `x` with every property, long texts included. */
export const projectComplete = (x: string) => `${x} {.*, nodeLabels: labels(${x}), complete: true}`;

/** The `$offset`/`$limit` window of list expression `list`. */
export const slice = (list: string) => `${list}[toInteger($offset)..toInteger($offset) + toInteger($limit)]`;

/** The same window as clauses, after an `ORDER BY`: lets Neo4j sort only as far as the page needs. */
export const SKIP_LIMIT = 'SKIP toInteger($offset) LIMIT toInteger($limit)';

/** The `$via` paths as Cypher list literal, for ordering a usage's paths the same way everywhere. */
export const VIA_LIST = `[${VIAS.map((v) => `'${v}'`).join(', ')}]`;

/** The paths of `VIAS` found in Cypher list `collected`, in `VIAS` order. */
export const viasIn = (collected: string) => `[v IN ${VIA_LIST} WHERE v IN ${collected}]`;

export interface UsagePathOptions {
  /** The actor's pattern node (`p`, or `n:Group` when the target is bound). */
  actor: string;
  /** The used object's pattern node (`t:Technique`, `p`, `s:Software`). */
  target: string;
  /** The variable each branch returns (the actor's or the target's). */
  returns: string;
  /** The paths to offer (the SOFTWARE path makes no sense for software used). */
  paths?: readonly Via[];
  /** Also return `r`: the DIRECT `uses` relationship (null on inferred paths), for its text. */
  withUse?: boolean;
}

/**
 * Usage along `$via`, as the branches of a `UNION` (one row per path that finds a usage, with
 * `via`): DIRECT is the actor's own `uses`; CAMPAIGN goes through the campaigns attributed to it;
 * SOFTWARE through the software it uses. Objects and relationships in the middle must be active.
 */
export function usagePaths({ actor, target, returns, paths = VIAS, withUse = false }: UsagePathOptions) {
  const use = (direct: boolean) => (withUse ? (direct ? ', r' : ', null AS r') : '');
  const branch: Record<Via, string> = {
    DIRECT: `MATCH (${actor})-[r:USES]->(${target})
    WHERE 'DIRECT' IN $via AND ${active('r')}
    RETURN ${returns}, 'DIRECT' AS via${use(true)}`,
    CAMPAIGN: `MATCH (${actor})<-[via_a:ATTRIBUTED_TO]-(via_c:Campaign)-[r:USES]->(${target})
    WHERE 'CAMPAIGN' IN $via AND ${active('via_a')} AND ${active('via_c')} AND ${active('r')}
    RETURN ${returns}, 'CAMPAIGN' AS via${use(false)}`,
    SOFTWARE: `MATCH (${actor})-[via_u:USES]->(via_s:Software)-[r:USES]->(${target})
    WHERE 'SOFTWARE' IN $via AND ${active('via_u')} AND ${active('via_s')} AND ${active('r')}
    RETURN ${returns}, 'SOFTWARE' AS via${use(false)}`,
  };
  return paths.map((p) => branch[p]).join('\n    UNION\n    ');
}

/** Options every filtered read takes. */
export interface Visibility {
  domain?: Domain | null;
  includeRevoked?: boolean | null;
  includeDeprecated?: boolean | null;
}

export const visibilityParams = (v: Visibility) => ({
  domain: v.domain ?? null,
  includeRevoked: v.includeRevoked ?? false,
  includeDeprecated: v.includeDeprecated ?? false,
});

/** A window of a list: `limit` items from `offset`. */
export interface Window {
  offset: number;
  limit: number;
}

/** A page of one parent's list, with the size of the whole list (when it was asked for). */
export interface Page<T> {
  totalCount: number | null;
  items: T[];
}

export const emptyPage = <T>(): Page<T> => ({ totalCount: 0, items: [] });

/** A page as a statement returns it: `totalCount` only when it was asked for. */
export interface PageResult<T> {
  totalCount?: number | null;
  items: T[];
}
/** A statement's page as a `Page` (none at all: an empty page of unknown size). */
export const pageFrom = <T>(row: PageResult<T> | undefined): Page<T> => ({
  totalCount: row?.totalCount ?? null,
  items: row?.items ?? [],
});

/**
 * `compute` kept per object it is given, for as long as that object lives: for what follows from
 * objects that are themselves kept (a field's levels read ahead, see `perField` in the schema).
 */
export function keptPer<K extends object, T>(compute: (key: K) => T) {
  const kept = new WeakMap<K, T>();
  return (key: K): T => {
    let out = kept.get(key);
    if (out === undefined) {
      out = compute(key);
      kept.set(key, out);
    }
    return out;
  };
}

/**
 * `map`'s value for `key`, computed and kept when it has none. The map is emptied when it already
 * holds `max` values: the bound only guards against a client that invents endless keys. An
 * undefined result is returned but not kept.
 */
export function keptIn<K, V>(map: Map<K, V>, key: K, max: number, compute: () => V): V;
export function keptIn<K, V>(
  map: Map<K, V>,
  key: K,
  max: number,
  compute: () => V | undefined,
): V | undefined;
export function keptIn<K, V>(map: Map<K, V>, key: K, max: number, compute: () => V | undefined) {
  let out = map.get(key);
  if (out === undefined) {
    out = compute();
    if (out === undefined) return undefined;
    if (map.size >= max) map.clear();
    map.set(key, out);
  }
  return out;
}

/**
 * Builds a query (or what else a shape determines) once per shape (key) and keeps it: a schema
 * has few shapes.
 */
export function shapes<A extends unknown[], T = Query>(
  key: (...args: A) => string,
  build: (...args: A) => T,
) {
  const built = new Map<string, T>();
  return (...args: A): T => keptIn(built, key(...args), 500, () => build(...args));
}

/**
 * The rows of one of this module's queries, as the type its Cypher returns. The one place rows
 * become typed: every caller names the shape its query's `RETURN` produces.
 */
export const rowsAs = <T>(rows: Row[]): T[] => rows as unknown[] as T[];
