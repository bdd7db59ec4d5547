import type { ReadExecutor } from '../../neo4j/executor.ts';
import { fetchDataVersion, isWriting, settledVersion } from '../graph-state.ts';

/** Entries kept per data version (LRU): key combinations are few, but `platform` is free text. */
export const PER_IMPORT_MAX_ENTRIES = 64;

/** Loads that see an import commit in the middle are tried again this many times in all. */
const MAX_LOAD_ATTEMPTS = 3;

/**
 * Data derived from one import (every group's technique set, the technique catalog, ...), kept in
 * memory until the graph's data version changes. This is not a response cache: it holds inputs
 * of the analyst computations, not answers, and every request still reads the data version.
 *
 * Consistency: a request reads the data version once (in the same round trip as its first other
 * reads) and only ever gets entries loaded at exactly that version. An entry is loaded in one
 * transaction between two reads of the data version; it is kept only when both equal the
 * request's version, so an entry never mixes two imports, and a request that sees a new version
 * never gets the old one's entries.
 */
export function createPerImport({ maxEntries = PER_IMPORT_MAX_ENTRIES }: { maxEntries?: number } = {}) {
  /** The data version the entries belong to; older ones are dropped as soon as a newer is seen. */
  let version: string | undefined;
  let entries = new Map<string, Promise<unknown>>();
  /** Each request's version, read once: the reader is per request (and per consistent-reads retry). */
  const versions = new WeakMap<ReadExecutor, Promise<string>>();

  const moveTo = (next: string) => {
    // A version read mid-commit is no version of its own: the one after the commit follows.
    if (next === version || isWriting(next)) return;
    version = next;
    entries = new Map();
  };

  const versionOf = (db: ReadExecutor): Promise<string> => {
    let v = versions.get(db);
    if (!v) {
      v = fetchDataVersion(db);
      versions.set(db, v);
    }
    return v;
  };

  return {
    /** The data-version watcher saw `next`: entries of other versions are dropped now. */
    moveTo,
    /** How many entries are held (for tests). */
    get size() {
      return entries.size;
    },
    /**
     * `key`'s value at the request's data version. `load` must issue all its reads at once (in
     * one tick: they become one batch, one transaction); it runs once per version and key,
     * concurrent requests share it, and a failed load is forgotten.
     */
    async get<T>(db: ReadExecutor, key: string, load: (db: ReadExecutor) => Promise<T>): Promise<T> {
      const at = await versionOf(db);
      // A request still at an older version (an import landed while it ran), or that read its
      // version while a write was committing, reads for itself.
      if (isWriting(at) || (version !== undefined && isOlder(at, version)))
        return (await loadAt(db, at, load)).value;
      moveTo(at);
      const hit = entries.get(key);
      if (hit) {
        entries.delete(key);
        entries.set(key, hit);
        return hit as Promise<T>;
      }
      const loading = loadAt(db, at, load);
      const pending = loading.then((r) => r.value);
      entries.set(key, pending);
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
      // Only a value loaded at exactly `at` may stay under `at`.
      const forget = () => {
        if (entries.get(key) === pending) entries.delete(key);
      };
      loading.then((r) => r.version !== at && forget(), forget);
      return pending;
    },
  };
}

export type PerImport = ReturnType<typeof createPerImport>;

/** Data versions are `runs:latest` (DATA_VERSION): a later import has more runs. */
function isOlder(a: string, b: string): boolean {
  return Number.parseInt(a, 10) < Number.parseInt(b, 10);
}

/** Thrown when imports kept landing while an entry loaded: the request fails rather than mix. */
export class DataMovedError extends Error {}

/**
 * Runs `load` in one batch (one transaction) between two reads of the data version. Equal reads,
 * with no write committing, mean no import committed in between: the value is of that one
 * version, usually `at` (a load that met a commit in flight waits for it, then runs again). A newer
 * one is returned as such (the request's own reads see it too, and consistent reads run the
 * request again); a load that an import cut through is tried again.
 */
async function loadAt<T>(
  db: ReadExecutor,
  at: string,
  load: (db: ReadExecutor) => Promise<T>,
): Promise<{ version: string; value: T }> {
  for (let attempt = 1; ; attempt++) {
    let open = true;
    const inBatch: ReadExecutor = {
      read(query, params, options) {
        if (!open) throw new Error(`${query.name}: a per-import load must issue all its reads at once`);
        return db.read(query, params, options);
      },
    };
    const before = fetchDataVersion(db);
    const value = load(inBatch);
    const after = fetchDataVersion(db);
    open = false;
    const [v1, result, v2] = await Promise.all([before, value, after]);
    if (v1 === v2 && !isWriting(v1)) return { version: v1, value: result };
    if (attempt >= MAX_LOAD_ATTEMPTS) {
      throw new DataMovedError(`the data changed ${attempt} times while loading (from ${at}); try again`);
    }
    if (isWriting(v2)) await settledVersion(db);
  }
}
