import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { NODE_LABELS, type NodeType } from '../src/model.ts';
import type { WriteTx } from '../src/neo4j/executor.ts';
import { compareReleases, newestRelease } from '../src/releases/order.ts';
import {
  ADD_CURRENT,
  COUNT_RELEASE_NODES,
  COUNT_RELEASE_RELS,
  DROP_CURRENT,
  READ_RELEASES,
  WRITE_RELEASE,
} from './cypher.ts';
import { text } from './existing.ts';

/*
 * The graph's releases (docs/architecture.md): one :Release record per imported (domain, release),
 * and the :Current label on every node of the newest release. Both are kept inside the transaction
 * of the import or removal that changes them, so a reader never sees them disagree with the nodes.
 */

/** What a bundle without a version (hand-written fixtures) is imported as. */
export const UNVERSIONED = '0';

export interface HeldRelease {
  domain: string;
  release: string;
}

/**
 * A :Release record as read, with what tells an import that the snapshot is as the domain's last
 * import left it (see unchanged.ts). Null in records written before these were kept.
 */
export interface ReleaseRecord extends HeldRelease {
  /** New on every transaction that changes the snapshot as this domain's import or a removal. */
  stamp: string | null;
  /** The rows the domain's last whole-bundle import wrote (see rowsDigest); null otherwise. */
  digest: string | null;
  /** Every record's stamp of the release as that import left them (see stampsOf). */
  seen: string | null;
}

const heldRow = z.object({
  domain: z.string(),
  release: z.string(),
  stamp: text,
  digest: text,
  seen: text,
});
const typeCount = z.object({ stixType: z.string(), n: z.number() });
const countRow = z.object({ n: z.number() });

export async function readReleases(tx: Pick<WriteTx, 'run'>): Promise<ReleaseRecord[]> {
  return z.array(heldRow).parse(await tx.run(READ_RELEASES));
}

/**
 * The release an import run's change set compares the bundle with: the release itself when the
 * domain holds it (a re-import), else the domain's next-older release, else none (all added).
 */
export function baselineRelease(held: HeldRelease[], domain: string, release: string): string | null {
  const mine = held.filter((h) => h.domain === domain).map((h) => h.release);
  if (mine.includes(release)) return release;
  return newestRelease(mine.filter((r) => compareReleases(r, release) < 0));
}

/** The GraphQL type name of a node type: its most specific label (`Malware`, not `Software`). */
const typeName = (stixType: string) => {
  const labels: readonly string[] | undefined = NODE_LABELS[stixType as NodeType];
  return labels?.[labels.length - 1] ?? stixType;
};

/**
 * Writes the :Release record of (domain, release) with the counts its snapshot now holds: read from
 * the graph, so relationships another domain's import completed count too. Every caller changed the
 * snapshot: the record gets a new `stamp`, and `digest` and `seen` only from a whole-bundle import
 * (a removal, a migration or an incremental pull leaves none: the next import reads everything).
 */
export async function writeRelease(
  tx: WriteTx,
  held: HeldRelease,
  meta: { modified: string | null; importedAt: string; stamp?: string; digest?: string; seen?: string },
): Promise<void> {
  const [types, rels] = await Promise.all([
    tx.run(COUNT_RELEASE_NODES, { domain: held.domain, release: held.release }),
    tx.run(COUNT_RELEASE_RELS, { domain: held.domain, release: held.release }),
  ]);
  const counts: Record<string, number> = {};
  for (const t of z.array(typeCount).parse(types))
    counts[typeName(t.stixType)] = (counts[typeName(t.stixType)] ?? 0) + t.n;
  const sorted = Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
  await tx.run(WRITE_RELEASE, {
    domain: held.domain,
    release: held.release,
    modified: meta.modified,
    importedAt: meta.importedAt,
    stamp: meta.stamp ?? randomUUID(),
    digest: meta.digest ?? null,
    seen: meta.seen ?? null,
    objectCount: Object.values(counts).reduce((a, b) => a + b, 0),
    relationshipCount: countRow.parse(rels[0] ?? { n: 0 }).n,
    countsJson: JSON.stringify(sorted),
  });
}

/**
 * Puts :Current on the nodes of the newest release held (over all domains) and nowhere else; `held`:
 * the releases held, when the caller knows them (read in its transaction). When
 * the newest release did not change, the first statement finds nothing to remove and the second
 * labels only the nodes this transaction created.
 */
export async function moveCurrent(tx: WriteTx, held?: string[]): Promise<string | null> {
  const newest = newestRelease(held ?? (await readReleases(tx)).map((r) => r.release));
  // Sent together: the transaction runs them in order.
  await Promise.all([
    tx.run(DROP_CURRENT, { newest }),
    newest === null ? null : tx.run(ADD_CURRENT, { newest }),
  ]);
  return newest;
}

/** The `modified` a release records: its collection's, else its newest object's. */
export function releaseModified(objects: unknown[]): string | null {
  let newest: string | null = null;
  for (const o of objects) {
    const { type, modified } = (o ?? {}) as { type?: unknown; modified?: unknown };
    if (typeof modified !== 'string') continue;
    if (type === 'x-mitre-collection') return modified;
    if (newest === null || modified > newest) newest = modified;
  }
  return newest;
}
