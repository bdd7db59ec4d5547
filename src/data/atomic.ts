import { z } from 'zod';
import { type AtomicTest, atomicPlatformKeys } from '../atomic.ts';
import type { Query, ReadExecutor } from '../neo4j/executor.ts';
import { compareReleases } from '../releases/order.ts';
import { q } from './rows.ts';

/*
 * Atomic Red Team tests (imported by import/atomic/). A test names its technique by ATT&CK ID
 * (`techniqueId`), so any release's technique finds its tests by its `attackId`: the join happens
 * here, at read time, and an ATT&CK import never re-links them.
 */

export { atomicPlatformKeys };

/** One test as stored (see src/atomic.ts). */
export type AtomicTestRow = AtomicTest;

/** The properties a read may project: only those a GraphQL selection asked for are read. */
export const ATOMIC_FIELDS = [
  'guid',
  'name',
  'techniqueId',
  'techniqueName',
  'tactics',
  'testNumber',
  'executor',
  'platforms',
] as const satisfies readonly (keyof AtomicTestRow)[];
export type AtomicField = (typeof ATOMIC_FIELDS)[number];

const atomicRow = z.object({
  guid: z.string(),
  name: z.string(),
  techniqueId: z.string(),
  techniqueName: z.string(),
  tactics: z.array(z.string()),
  testNumber: z.number(),
  executor: z.string(),
  platforms: z.array(z.string()),
});

/** `t {.guid, .techniqueId, ...}`: the key fields always, the rest as asked (names from ATOMIC_FIELDS only). */
function projectionOf(fields: readonly AtomicField[]): string {
  const keys = new Set<AtomicField>(['guid', 'techniqueId', 'testNumber', ...fields]);
  return ATOMIC_FIELDS.filter((f) => keys.has(f))
    .map((f) => `.${f}`)
    .join(', ');
}

const byTechniqueQueries = new Map<string, Query>();
function byTechniqueQuery(fields: readonly AtomicField[]): Query {
  const projection = projectionOf(fields);
  let query = byTechniqueQueries.get(projection);
  if (!query) {
    query = q(
      'atomic.byTechnique',
      `UNWIND $ids AS id
       MATCH (t:AtomicTest {techniqueId: id})
       WHERE $platforms IS NULL OR any(p IN t.platforms WHERE p IN $platforms)
       RETURN t { ${projection} } AS test
       ORDER BY t.techniqueId, t.testNumber, t.guid`,
    );
    byTechniqueQueries.set(projection, query);
  }
  return query;
}

/** Fills the fields a projection left out, so rows keep one type (absent ones are never shown). */
function rowOf(test: Record<string, unknown>): AtomicTestRow {
  return atomicRow.parse({
    name: '',
    techniqueName: '',
    tactics: [],
    executor: '',
    platforms: [],
    ...test,
  });
}

/**
 * The tests of each technique ID (exactly that ID: a parent's list leaves out its sub-techniques'
 * tests), those that run on `platform` when given (an ATT&CK or Atomic platform name). One query;
 * every key is in the answer, with an empty list when it has no test.
 */
export async function atomicTestsByTechnique(
  db: ReadExecutor,
  techniqueIds: readonly string[],
  platform?: string | null,
  fields: readonly AtomicField[] = ATOMIC_FIELDS,
): Promise<Map<string, AtomicTestRow[]>> {
  const ids = [...new Set(techniqueIds)];
  const out = new Map<string, AtomicTestRow[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const rows = await db.read(byTechniqueQuery(fields), {
    ids,
    platforms: platform ? atomicPlatformKeys(platform) : null,
  });
  for (const r of rows) {
    const test = rowOf(r.test as Record<string, unknown>);
    out.get(test.techniqueId)?.push(test);
  }
  return out;
}

export interface AtomicFilter {
  /** Only tests of these technique IDs (exactly these: no sub-techniques added). */
  techniqueIds?: readonly string[] | null;
  /** An ATT&CK or Atomic platform name. */
  platform?: string | null;
  executor?: string | null;
  /** A tactic shortname as the index files it (`credential-access`, v19's `stealth`). */
  tactic?: string | null;
}

const listQueries = new Map<string, Query>();
function listQuery(fields: readonly AtomicField[]): Query {
  const projection = projectionOf(fields);
  let query = listQueries.get(projection);
  if (!query) {
    query = q(
      'atomic.list',
      `MATCH (t:AtomicTest)
       WHERE ($ids IS NULL OR t.techniqueId IN $ids)
         AND ($platforms IS NULL OR any(p IN t.platforms WHERE p IN $platforms))
         AND ($executor IS NULL OR t.executor = $executor)
         AND ($tactic IS NULL OR $tactic IN t.tactics)
       RETURN t { ${projection} } AS test
       ORDER BY t.techniqueId, t.testNumber, t.guid`,
    );
    listQueries.set(projection, query);
  }
  return query;
}

/** The stored tests that pass `filter`, by technique ID then test number. One query. */
export async function fetchAtomicTests(
  db: ReadExecutor,
  filter: AtomicFilter,
  fields: readonly AtomicField[] = ATOMIC_FIELDS,
): Promise<AtomicTestRow[]> {
  if (filter.techniqueIds?.length === 0) return [];
  const rows = await db.read(listQuery(fields), {
    ids: filter.techniqueIds ? [...new Set(filter.techniqueIds)] : null,
    platforms: filter.platform ? atomicPlatformKeys(filter.platform) : null,
    executor: filter.executor ?? null,
    tactic: filter.tactic ?? null,
  });
  return rows.map((r) => rowOf(r.test as Record<string, unknown>));
}

/** The imported releases that hold a technique with each ATT&CK ID (revoked ones count: the ID is known). */
export const TECHNIQUE_RELEASES = q(
  'atomic.techniqueReleases',
  `UNWIND $ids AS id
   OPTIONAL MATCH (t:Technique {attackId: id})
   WITH id, collect(DISTINCT t.release) AS releases, any(c IN collect(t:Current) WHERE c) AS current
   RETURN id, releases, current`,
);

const releasesRow = z.object({ id: z.string(), releases: z.array(z.string()), current: z.boolean() });

export interface IdReleases {
  /** Releases that know the ID, oldest first. */
  releases: string[];
  /** Whether the newest imported release (the default) knows it. */
  current: boolean;
}

/** For each technique ID, the releases that know it. One query; every ID is in the answer. */
export async function fetchTechniqueReleases(
  db: ReadExecutor,
  techniqueIds: readonly string[],
): Promise<Map<string, IdReleases>> {
  const ids = [...new Set(techniqueIds)];
  if (ids.length === 0) return new Map();
  const rows = (await db.read(TECHNIQUE_RELEASES, { ids })).map((r) => releasesRow.parse(r));
  return new Map(rows.map((r) => [r.id, { releases: r.releases.sort(compareReleases), current: r.current }]));
}

/** IDs that `release` (the newest when null) does not know, each with the releases that do. */
export function unknownIn(known: Map<string, IdReleases>, release: string | null) {
  return [...known]
    .filter(([, k]) => (release ? !k.releases.includes(release) : !k.current))
    .map(([id, k]) => ({ id, knownIn: k.releases }))
    .sort((a, b) => a.id.localeCompare(b.id));
}
