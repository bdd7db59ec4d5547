import { fetchImported } from '../data/graph-state.ts';
import type { Logger } from '../logger.ts';
import type { ReadExecutor } from '../neo4j/executor.ts';

/** What /ready reports: Neo4j answers and holds ATT&CK data, answers but is empty, or does not answer. */
export type ReadyState = 'ready' | 'empty' | 'unavailable';

/**
 * How long one Neo4j answer stands for every /ready call. Load balancers poll /ready, and so can
 * anyone (it needs no key): without this every call is a Neo4j read. One second keeps /ready
 * within a second of Neo4j's state, which outage recovery relies on; never raise it past that.
 */
export const READY_CACHE_MS = 1_000;

/** How long /ready waits for Neo4j before it says "unavailable". */
export const READY_TIMEOUT_MS = 3_000;

/**
 * Wraps `load` so that its result is shared: callers while a load runs get that load's result,
 * and callers up to `ttlMs` after a load *started* get its result too. So there is at most one
 * load at a time and one per `ttlMs`, and no result is older than `ttlMs` plus the load's own time.
 */
export function shareRecent<T>(
  load: () => Promise<T>,
  ttlMs: number,
  now: () => number = performance.now.bind(performance),
) {
  let latest: { startedAt: number; result: Promise<T>; settled: boolean } | undefined;
  return (): Promise<T> => {
    const at = now();
    if (latest && (!latest.settled || at - latest.startedAt < ttlMs)) return latest.result;
    const entry = { startedAt: at, settled: false, result: load() };
    const settle = () => {
      entry.settled = true;
    };
    entry.result.then(settle, settle);
    latest = entry;
    return entry.result;
  };
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface Readiness {
  /** Neo4j's state as of at most READY_CACHE_MS (plus one read) ago; never rejects. */
  state(): Promise<ReadyState>;
}

/** The readiness check behind /ready: one `http.ready` read per READY_CACHE_MS at most. */
export function createReadiness(
  executor: ReadExecutor,
  {
    log,
    cacheMs = READY_CACHE_MS,
    timeoutMs = READY_TIMEOUT_MS,
    now,
  }: { log: Logger; cacheMs?: number; timeoutMs?: number; now?: () => number },
): Readiness {
  const read = async (): Promise<ReadyState> => {
    let imported: boolean;
    try {
      imported = await withTimeout(fetchImported(executor, timeoutMs), timeoutMs);
    } catch (error) {
      log.warn({ err: error }, 'not ready: Neo4j does not answer');
      return 'unavailable';
    }
    if (!imported) {
      log.warn('not ready: Neo4j holds no ATT&CK data (import it first)');
      return 'empty';
    }
    return 'ready';
  };
  return { state: shareRecent(read, Math.min(cacheMs, READY_CACHE_MS), now) };
}
