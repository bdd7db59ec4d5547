import { GraphQLError } from 'graphql';
import { z } from 'zod';
import { REL_TYPES, STIX_RELATIONSHIPS } from '../model.ts';
import type { Query, ReadExecutor } from '../neo4j/executor.ts';
import type { Catalog, CatalogObject, CatalogRelationship } from '../releases/catalog.ts';
import { compareReleases, newestRelease } from '../releases/order.ts';
import { type Domain, q } from './rows.ts';

/*
 * The imported releases, from their :Release records (one per imported domain and release; see
 * docs/architecture.md). A handful of small nodes: callers keep the answer per data version.
 */

export const RELEASES = q(
  'releases.list',
  `MATCH (r:Release)
   RETURN r.domain AS domain, r.release AS release, r.modified AS modified,
          toString(r.importedAt) AS importedAt, r.objectCount AS objectCount,
          r.relationshipCount AS relationshipCount, r.countsJson AS countsJson`,
);

const releaseRow = z.object({
  domain: z.string(),
  release: z.string(),
  modified: z.string().nullable(),
  importedAt: z.string().nullable(),
  objectCount: z.number().nullable(),
  relationshipCount: z.number().nullable(),
  countsJson: z.string().nullable(),
});

export interface ReleaseRow {
  domain: string;
  release: string;
  modified: string | null;
  importedAt: string | null;
  objectCount: number;
  relationshipCount: number;
  /** Nodes per GraphQL type name. */
  counts: Record<string, number>;
  /** Whether this is the default release (the newest imported over all domains: `:Current`). */
  current: boolean;
}

const counts = z.record(z.string(), z.number());

/** Rows as the graph holds them, made into `ReleaseRow`s: newest release first, then by domain. */
export function releaseRowsOf(rows: readonly z.infer<typeof releaseRow>[]): ReleaseRow[] {
  const newest = newestRelease(rows.map((r) => r.release));
  return rows
    .map((r) => ({
      domain: r.domain,
      release: r.release,
      modified: r.modified,
      importedAt: r.importedAt,
      objectCount: r.objectCount ?? 0,
      relationshipCount: r.relationshipCount ?? 0,
      counts: r.countsJson ? counts.parse(JSON.parse(r.countsJson)) : {},
      current: r.release === newest,
    }))
    .sort((a, b) => compareReleases(b.release, a.release) || a.domain.localeCompare(b.domain));
}

export async function fetchReleases(db: ReadExecutor): Promise<ReleaseRow[]> {
  const rows = await db.read(RELEASES);
  return releaseRowsOf(rows.map((r) => releaseRow.parse(r)));
}

/*
 * A release's catalog (src/releases/catalog.ts) read from its snapshot in the graph: the nodes
 * with `release = $release` that the domain holds, and the STIX relationships between them (the
 * storage contract: relationships never cross releases). Two queries, sent together: one round trip.
 */

/**
 * A technique's tactics are its IN_TACTIC links in this domain (tactic identity survives a rename
 * in place); a tactic's is its own shortname, as in `catalogFromStix`.
 */
export const CATALOG_OBJECTS: Query = {
  name: 'releases.catalogObjects',
  cypher: `
    MATCH (n:AttackObject) WHERE n.release = $release AND $domain IN n.domains
    RETURN n.stixId AS stixId, n.attackId AS attackId, n.stixType AS type, n.name AS name,
      CASE WHEN n.stixType = 'x-mitre-tactic' THEN [n.shortname]
        ELSE [(n)-[i:IN_TACTIC]->(t:Tactic) WHERE $domain IN i.domains | t.shortname] END AS tactics,
      coalesce(n.aliases, []) AS aliases, coalesce(n.revoked, false) AS revoked,
      coalesce(n.deprecated, false) AS deprecated, n.version AS version, n.modified AS modified,
      n.hash AS hash, coalesce(n.versions, []) AS versions`,
};

/** Only relationships of STIX objects (they have a `stixId`): derived links are no change of their own. */
export const CATALOG_RELATIONSHIPS: Query = {
  name: 'releases.catalogRelationships',
  cypher: `
    MATCH (a:AttackObject)-[r]->(b:AttackObject)
    WHERE a.release = $release AND type(r) IN $types AND r.stixId IS NOT NULL
      AND $domain IN r.domains AND $domain IN a.domains AND $domain IN b.domains
    RETURN r.stixId AS key, type(r) AS type, a.stixId AS from, b.stixId AS to,
      coalesce(r.revoked, false) AS revoked, coalesce(r.deprecated, false) AS deprecated,
      r.modified AS modified, r.hash AS hash, coalesce(r.versions, []) AS versions`,
};

const STIX_REL_TYPES = [...new Set(Object.values(STIX_RELATIONSHIPS).map((s) => s.type))];

const versioned = {
  modified: z.string().nullable(),
  hash: z.string().nullable(),
  versions: z.array(z.string()),
};
const objectRow = z.object({
  stixId: z.string(),
  attackId: z.string().nullable(),
  type: z.string(),
  name: z.string().nullable(),
  tactics: z.array(z.string().nullable()),
  aliases: z.array(z.string()),
  revoked: z.boolean(),
  deprecated: z.boolean(),
  version: z.string().nullable(),
  ...versioned,
});
const relRow = z.object({
  key: z.string(),
  type: z.enum(REL_TYPES),
  from: z.string(),
  to: z.string(),
  revoked: z.boolean(),
  deprecated: z.boolean(),
  ...versioned,
});

/**
 * The domain's own version of a shared node ("domain modified hash", import/versions.ts): the node
 * holds the newest domain's content, and comparing another domain's would show false changes.
 */
function contentOf(domain: string, row: z.infer<typeof objectRow> | z.infer<typeof relRow>) {
  for (const text of row.versions) {
    const [d, modified = '', hash = ''] = text.split(' ');
    if (d === domain) return { modified, content: hash };
  }
  return { modified: row.modified ?? '', content: row.hash ?? '' };
}

export function catalogOf(domain: Domain, release: string, objects: unknown[], rels: unknown[]): Catalog {
  const out: CatalogObject[] = objects.map((raw) => {
    const r = objectRow.parse(raw);
    return {
      stixId: r.stixId,
      attackId: r.attackId,
      type: r.type,
      name: r.name ?? '',
      tactics: [...new Set(r.tactics.filter((t): t is string => !!t))].sort(),
      aliases: r.aliases,
      revoked: r.revoked,
      deprecated: r.deprecated,
      version: r.version,
      ...contentOf(domain, r),
    };
  });
  const relationships: CatalogRelationship[] = rels.map((raw) => {
    const r = relRow.parse(raw);
    const { key, type, from, to, revoked, deprecated } = r;
    return { key, type, from, to, revoked, deprecated, ...contentOf(domain, r) };
  });
  return { domain, release, objects: out, relationships };
}

/** Reads one release's catalog: both queries in one tick, so a batching reader sends them together. */
export async function fetchCatalog(db: ReadExecutor, domain: Domain, release: string): Promise<Catalog> {
  const params = { domain, release, types: STIX_REL_TYPES };
  const [objects, rels] = await Promise.all([
    db.read(CATALOG_OBJECTS, params),
    db.read(CATALOG_RELATIONSHIPS, params),
  ]);
  return catalogOf(domain, release, objects, rels);
}

/** `extensions.code` of a release that is not imported (the storage contract's name for it). */
export const UNKNOWN_RELEASE = 'UNKNOWN_RELEASE';

/** The domain's imported releases, oldest first, and a sentence listing them for error messages. */
export function domainReleases(imported: readonly Pick<ReleaseRow, 'domain' | 'release'>[], domain: Domain) {
  const mine = imported
    .filter((r) => r.domain === domain)
    .map((r) => r.release)
    .sort(compareReleases);
  const listing = mine.length
    ? `imported for ${domain}: ${mine.join(', ')}`
    : `no release of ${domain} is imported`;
  return { mine, listing };
}

/**
 * The release named, checked against what is imported for `domain`; absent, the domain's newest.
 * An unknown one is a GraphQL error naming it (and the argument) and listing the imported ones.
 */
export function checkDomainRelease(
  imported: readonly Pick<ReleaseRow, 'domain' | 'release'>[],
  domain: Domain,
  release: string | null | undefined,
  argument: string,
): string {
  const { mine, listing } = domainReleases(imported, domain);
  if (release === null || release === undefined) {
    const newest = mine.at(-1);
    if (newest === undefined)
      throw new GraphQLError(`${argument}: no release given, and ${listing}`, {
        extensions: { code: UNKNOWN_RELEASE, argument, releases: mine },
      });
    return newest;
  }
  const given = release.trim();
  if (!mine.includes(given))
    throw new GraphQLError(`${argument}: release "${release}" of ${domain} is not imported (${listing})`, {
      extensions: { code: UNKNOWN_RELEASE, argument, release, releases: mine },
    });
  return given;
}
