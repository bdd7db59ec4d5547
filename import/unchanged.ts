import { createHash } from 'node:crypto';
import type { Defect } from './references.ts';
import type { ReleaseRecord } from './releases.ts';
import type { RelRow } from './rows.ts';
import type { GraphRows } from './transform.ts';

/*
 * A re-import of what the graph already holds writes nothing, but finding that out read the whole
 * snapshot back and compared it (about a second for enterprise). It is known without the reads when
 * (1) the rows are those the domain's last whole-bundle import wrote (`digest`), and (2) nothing
 * changed the snapshot since: every transaction that changes it (an import of any domain into the
 * release, a removal) gives the :Release record it writes a new `stamp`, in the same transaction,
 * and that import recorded every stamp of the release as it left them (`seen`). Checked under the
 * import lock, in the import's transaction, before it reads the snapshot.
 *
 * The premise is the importer's invariant that an import leaves the snapshot such that importing the
 * same rows again plans no write (test/import covers it); both conditions make the planner's inputs
 * those it had then. Writes by hand (Cypher outside the importer) are not seen, as the diff, which
 * trusts stored hashes, does not see them either.
 */

/**
 * What an import writes from a bundle, as one value: each row's key, ends, type and content hash,
 * and the outside references it records. Equal digests: equal writes.
 */
export function rowsDigest(rows: GraphRows, records: RelRow[], defects: Defect[]): string {
  const h = createHash('sha256').update(`${rows.domain}\n`);
  for (const n of rows.nodes) h.update(`n ${n.type} ${n.stixId} ${n.hash}\n`);
  for (const r of rows.rels) h.update(`r ${r.type} ${r.key} ${r.from} ${r.to} ${r.hash}\n`);
  for (const r of records) h.update(`x ${r.type} ${r.key} ${r.from} ${r.to} ${r.hash}\n`);
  h.update(JSON.stringify(defects));
  return h.digest('base64url');
}

/** The stamps of a release's records as one value (sorted by domain). */
export function stampsOf(records: Pick<ReleaseRecord, 'domain' | 'stamp'>[]): string {
  return records
    .map((r) => `${r.domain} ${r.stamp ?? ''}`)
    .sort()
    .join('\n');
}

/**
 * True when importing rows of `digest` into (domain, release) would write nothing: see above.
 * `held`: every :Release record, read under the lock before the snapshot.
 */
export function unchangedSince(held: ReleaseRecord[], domain: string, release: string, digest: string) {
  const records = held.filter((h) => h.release === release);
  const mine = records.find((h) => h.domain === domain);
  return Boolean(mine?.stamp && mine.digest === digest && mine.seen === stampsOf(records));
}

/**
 * The `stamp` and `seen` an import that changed the snapshot records: its own new stamp, and the
 * other records' stamps as read before the snapshot (a later change by another import changes one).
 */
export function newStamps(held: ReleaseRecord[], domain: string, release: string, stamp: string) {
  const others = held.filter((h) => h.release === release && h.domain !== domain);
  return { stamp, seen: stampsOf([...others, { domain, stamp }]) };
}
