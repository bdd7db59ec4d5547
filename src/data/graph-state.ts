import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { CHANGED_AT, DATA_CHANGE } from '../model.ts';
import { type Query, type ReadExecutor, WRITE_FENCE } from '../neo4j/executor.ts';

/**
 * The state of the graph as a whole: is there data to serve (/ready), and which import is it (the
 * data version that keys caches and per-import sets).
 * Both are cheap (one label scan stops at the first node; import runs are a handful of nodes).
 */
export const READY: Query = {
  name: 'http.ready',
  cypher: 'OPTIONAL MATCH (n:AttackObject) WITH n LIMIT 1 RETURN n IS NOT NULL AS imported',
};

/** The end of a data version read while a write was committing (see WRITE_FENCE). */
const WRITING = ':writing';

/**
 * Changes exactly when an import or a removal commits: each records one change node
 * (DATA_CHANGE_KINDS in src/model.ts, all labelled DATA_CHANGE), so the count only grows (per-import
 * sets rely on that). `version` is the count and the newest record's id in one value, the column a
 * request's reader tracks (see `batching` in the executor), and ends in WRITING while a write's
 * commit may be half applied: nothing read then is known to be one state.
 * Every request reads it with its first statement, so it costs the same however many imports the
 * graph has seen: the count comes from Neo4j's count store, the newest record from one step of the
 * `data_change_order` index (CHANGED_AT, then id). Sorting every record instead cost about 3 µs of
 * Neo4j's CPU per record on every request (docs/performance-log.md).
 */
export const DATA_VERSION: Query = {
  name: 'http.dataVersion',
  cypher: `MATCH (r:${DATA_CHANGE}) WHERE r.${CHANGED_AT} IS NOT NULL
WITH r ORDER BY r.${CHANGED_AT} DESC, r.id DESC LIMIT 1
WITH collect(r.id) AS newest
RETURN toString(COUNT { (:${DATA_CHANGE}) }) + ':' + coalesce(newest[0], 'none') + CASE WHEN ${WRITE_FENCE.up} THEN '${WRITING}' ELSE '' END AS version`,
};

/** Whether `version` (a data version, or anything else a reader tracked) was read while a write was committing. */
export const isWriting = (version: unknown): boolean =>
  typeof version === 'string' && version.endsWith(WRITING);

const readyRow = z.object({ imported: z.boolean() });
const versionRow = z.object({ version: z.string() });

/** Whether Neo4j answers and holds ATT&CK data; throws when Neo4j does not answer. */
export async function fetchImported(db: ReadExecutor, timeoutMs: number): Promise<boolean> {
  const [row] = await db.read(READY, {}, { timeoutMs });
  return readyRow.parse(row).imported;
}

/** An opaque version of the graph's data: the latest import run and how many there were. */
export async function fetchDataVersion(db: ReadExecutor): Promise<string> {
  const [row] = await db.read(DATA_VERSION);
  return versionRow.parse(row).version;
}

/** How often `settledVersion` looks again. */
const SETTLE_POLL_MS = 10;

/**
 * The data version once no write is committing, waiting at most `maxMs` (a commit lands in well
 * under that; a fence left by a writer killed mid-commit expires on its own). After that, the
 * version as it is, which may still be writing.
 */
export async function settledVersion(db: ReadExecutor, maxMs = 2_000): Promise<string> {
  const until = Date.now() + maxMs;
  for (;;) {
    const version = await fetchDataVersion(db);
    if (!isWriting(version) || Date.now() >= until) return version;
    await sleep(SETTLE_POLL_MS);
  }
}
