import { z } from 'zod';
import type { ReadExecutor } from '../../neo4j/executor.ts';
import {
  active,
  type Domain,
  domainRank,
  idOf,
  inRelease,
  LABELS,
  type Label,
  orderBy,
  perRelease,
  q,
  type ReleaseArg,
  releaseParams,
  stixIdsOf,
} from '../rows.ts';

/**
 * Where an analyst query enters the graph: the release asked for (see `inRelease`). Traversals
 * from there stay in that release (relationships never cross releases). The analyst queries return
 * ids with `idOf`, and take ids back through `stixIdsOf`.
 */
export const entry = (x: string, named: boolean) => inRelease(x, named);

/** Active objects of the domain: the analyst queries never count revoked or deprecated ones. */
export const activeInDomain = (x: string) => `${active(x)} AND ($domain IS NULL OR $domain IN ${x}.domains)`;

/** Techniques of a platform (case-insensitive); every technique when `$platform` is null. */
export const onPlatform = (x: string) =>
  `($platform IS NULL OR any(p IN coalesce(${x}.platforms, []) WHERE toLower(p) = toLower($platform)))`;

/**
 * Input keys -> active objects of the given labels. A key is an ATT&CK ID (`G0016`), a STIX id,
 * or a name or alias (case-insensitive). ATT&CK IDs repeat across types (deprecated mitigations
 * reuse technique IDs), so the labels decide; within them the lowest ATT&CK ID wins.
 */
export const RESOLVE_KEYS = perRelease((named) =>
  q(
    'analytics.resolveKeys',
    `UNWIND $keys AS key
   CALL (key) {
     MATCH (n:AttackObject {attackId: key}) RETURN n
     UNION
     MATCH (n:AttackObject {stixId: key}) RETURN n
     UNION
     MATCH (n:AttackObject) WHERE NOT key IN $idLike
       AND (toLower(n.name) = toLower(key) OR any(a IN coalesce(n.aliases, []) WHERE toLower(a) = toLower(key)))
     RETURN n
   }
   WITH key, n WHERE ${entry('n', named)} AND any(l IN labels(n) WHERE l IN $labels) AND ${activeInDomain('n')}
   WITH key, n ORDER BY n.attackId, n.stixId
   RETURN key, head(collect(${idOf('n', named)})) AS stixId`,
  ),
);

const resolvedRow = z.object({ key: z.string(), stixId: z.string() });

export interface Resolved {
  /** STIX ids of the objects found, in input order, without repeats. */
  ids: string[];
  /** Input keys that matched no active object of the expected types (trimmed, in input order). */
  unknown: string[];
  /** Each trimmed input key that matched -> the STIX id it matched. */
  byKey: Map<string, string>;
}

/** Keys that look like an ATT&CK ID or a STIX id: these never match names or aliases. */
export const ID_LIKE = /^([A-Z]{1,4}\d{3,5}(\.\d{3})?|[a-z-]+--[0-9a-f-]{36})$/;

/**
 * Input keys as `Resolved`: each distinct trimmed key is matched once by `match` (key -> id of the
 * keys it found), then the ids come in input order, each once, and the unmatched keys after.
 */
export async function resolvedFrom(
  keys: readonly string[],
  match: (wanted: string[]) => Promise<Map<string, string>>,
): Promise<Resolved> {
  const wanted = [...new Set(keys.map((k) => k.trim()).filter(Boolean))];
  if (wanted.length === 0) return { ids: [], unknown: [], byKey: new Map() };
  const byKey = await match(wanted);
  const ids: string[] = [];
  for (const k of wanted) {
    const id = byKey.get(k);
    if (id && !ids.includes(id)) ids.push(id);
  }
  return { ids, unknown: wanted.filter((k) => !byKey.has(k)), byKey };
}

export const resolveKeys = (
  db: ReadExecutor,
  keys: readonly string[],
  labels: readonly Label[],
  domain: Domain | null,
  release: ReleaseArg = null,
): Promise<Resolved> =>
  resolvedFrom(keys, async (wanted) => {
    const rows = await db.read(RESOLVE_KEYS(release), {
      ...releaseParams(release),
      keys: wanted,
      idLike: wanted.filter((k) => ID_LIKE.test(k)),
      labels: labels.map((l) => LABELS[l]),
      domain,
    });
    return new Map(rows.map((r) => resolvedRow.parse(r)).map((r) => [r.key, r.stixId]));
  });

/** Every active technique of the domain (and platform), with its parent and tactic shortnames. */
export const TECHNIQUE_CATALOG = perRelease((named) =>
  q(
    'analytics.techniqueCatalog',
    `MATCH (t:Technique) WHERE ${entry('t', named)} AND ${activeInDomain('t')} AND ${onPlatform('t')}
   OPTIONAL MATCH (t)-[:SUBTECHNIQUE_OF]->(p:Technique)
   OPTIONAL MATCH (t)-[:IN_TACTIC]->(ta:Tactic) WHERE ${activeInDomain('ta')}
   WITH t, head(collect(DISTINCT ${idOf('p', named)})) AS parent, collect(DISTINCT ta.shortname) AS tactics
   RETURN ${idOf('t', named)} AS stixId, t.attackId AS attackId, t.name AS name,
          coalesce(t.isSubtechnique, false) AS isSubtechnique, parent, tactics
   ORDER BY ${orderBy('t')}`,
  ),
);

export const catalogRow = z.object({
  stixId: z.string(),
  attackId: z.string().nullable(),
  name: z.string(),
  isSubtechnique: z.boolean(),
  parent: z.string().nullable(),
  tactics: z.array(z.string()),
});
export type CatalogRow = z.infer<typeof catalogRow>;

/** What the per-release analyst reads are narrowed by. */
export interface ReadScope {
  domain: Domain | null;
  platform: string | null;
  release?: ReleaseArg;
}

/** A `ReadScope` as the parameters its queries take. */
export const scopeParams = (scope: ReadScope) => ({
  domain: scope.domain,
  platform: scope.platform,
  ...releaseParams(scope.release),
});

export async function fetchCatalog(db: ReadExecutor, filters: ReadScope): Promise<CatalogRow[]> {
  const rows = await db.read(TECHNIQUE_CATALOG(filters.release), scopeParams(filters));
  return rows.map((r) => catalogRow.parse(r));
}

/** The domain's tactics in matrix order (enterprise, mobile, then ICS when no domain is given). */
export const TACTIC_ORDER = perRelease((named) =>
  q(
    'analytics.tacticOrder',
    `MATCH (n:Tactic) WHERE ${entry('n', named)} AND ${activeInDomain('n')}
   OPTIONAL MATCH (m:Matrix)-[r:HAS_TACTIC]->(n) WHERE ${active('m')}
   WITH n, min(r.order) AS position,
        ${domainRank('n')} AS rank
   ORDER BY rank, position, n.attackId
   RETURN ${idOf('n', named)} AS stixId, n.shortname AS shortname, n.attackId AS attackId`,
  ),
);

export const tacticRow = z.object({
  stixId: z.string(),
  shortname: z.string(),
  attackId: z.string().nullable(),
});
export type TacticRow = z.infer<typeof tacticRow>;

export async function fetchTacticOrder(
  db: ReadExecutor,
  domain: Domain | null,
  release: ReleaseArg = null,
): Promise<TacticRow[]> {
  const rows = await db.read(TACTIC_ORDER(release), { domain, ...releaseParams(release) });
  return rows.map((r) => tacticRow.parse(r));
}

/** The ATT&CK release of the domain's latest import (`18.1`), for layers. */
export const LATEST_VERSION = q(
  'analytics.latestVersion',
  `MATCH (r:ImportRun) WHERE r.domain = $domain AND r.attackVersion IS NOT NULL
   RETURN r.attackVersion AS version ORDER BY r.finishedAt DESC LIMIT 1`,
);

export async function fetchLatestVersion(db: ReadExecutor, domain: Domain): Promise<string | null> {
  const [row] = await db.read(LATEST_VERSION, { domain });
  return row ? z.object({ version: z.string() }).parse(row).version : null;
}

/** ATT&CK IDs by STIX id, to order results stably without loading whole nodes. */
export const ATTACK_IDS = perRelease((named) =>
  q(
    'analytics.attackIds',
    `MATCH (n:AttackObject) WHERE n.stixId IN $ids AND ${entry('n', named)}
     RETURN ${idOf('n', named)} AS stixId, n.attackId AS attackId`,
  ),
);

export async function fetchAttackIds(
  db: ReadExecutor,
  ids: readonly string[],
  release: ReleaseArg = null,
): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const rows = await db.read(ATTACK_IDS(release), {
    ids: [...new Set(stixIdsOf(ids))],
    ...releaseParams(release),
  });
  const row = z.object({ stixId: z.string(), attackId: z.string().nullable() });
  return new Map(rows.map((r) => row.parse(r)).map((r) => [r.stixId, r.attackId]));
}

/** The ATT&CK IDs of every active object of `$labels` (groups: a few hundred), to order them stably. */
export const ATTACK_IDS_OF_LABELS = perRelease((named) =>
  q(
    'analytics.attackIdsOfLabels',
    `MATCH (n:AttackObject) WHERE ${entry('n', named)} AND any(l IN labels(n) WHERE l IN $labels) AND ${activeInDomain('n')}
     RETURN ${idOf('n', named)} AS stixId, n.attackId AS attackId`,
  ),
);

export async function fetchAttackIdsOf(
  db: ReadExecutor,
  labels: readonly Label[],
  domain: Domain | null,
  release: ReleaseArg = null,
): Promise<Map<string, string | null>> {
  const rows = await db.read(ATTACK_IDS_OF_LABELS(release), {
    labels: labels.map((l) => LABELS[l]),
    domain,
    ...releaseParams(release),
  });
  const row = z.object({ stixId: z.string(), attackId: z.string().nullable() });
  return new Map(rows.map((r) => row.parse(r)).map((r) => [r.stixId, r.attackId]));
}
