import { fetchDataVersion } from '../data/graph-state.ts';
import type { Logger } from '../logger.ts';
import type { ReadExecutor } from '../neo4j/executor.ts';

/**
 * The graph's data version, refreshed from Neo4j at most every `intervalMs`, on demand (no
 * timer: an idle process asks nothing). Callers get the last known version at once; a refresh
 * runs in the background. While Neo4j is down the last version stays: no import can finish then.
 */
export function createDataVersion(
  db: ReadExecutor,
  {
    intervalMs,
    log,
    onChange,
  }: {
    intervalMs: number;
    log: Logger;
    /** The version moved from one read to the next (not called for the first). */
    onChange?: (version: string) => void;
  },
) {
  let version: string | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<string | undefined> | undefined;

  const refresh = (): Promise<string | undefined> => {
    pending ??= fetchDataVersion(db)
      .then((next) => {
        // The first version read is no change: what it would clear is still empty, and the
        // per-import sets take their version from requests (this read may be older than theirs).
        if (next !== version && version !== undefined) {
          log.info({ from: version, to: next }, 'data changed: response cache cleared');
          onChange?.(next);
        }
        version = next;
        return version;
      })
      .catch((error: unknown) => {
        log.warn({ err: error }, 'cannot read the data version; keeping the last one');
        return version;
      })
      .finally(() => {
        checkedAt = Date.now();
        pending = undefined;
      });
    return pending;
  };

  return {
    /** The version as last seen; starts a refresh when it is older than the interval. */
    current(): string | undefined {
      if (Date.now() - checkedAt >= intervalMs) void refresh();
      return version;
    },
    /** Reads the version now (used at start-up and by tests). */
    refresh,
  };
}

export type DataVersion = ReturnType<typeof createDataVersion>;
