import { z } from 'zod';
import type { ReadExecutor } from '../neo4j/executor.ts';
import { compareReleases, newestRelease } from '../releases/order.ts';
import { q } from './rows.ts';

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
