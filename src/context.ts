import { createPerImport, type PerImport } from './data/analytics/per-import.ts';
import type { BatchingOptions, BatchingReader, Executor, Query } from './neo4j/executor.ts';

/**
 * The per-request GraphQL context. Build a fresh one for every request: the dataloader plugin
 * keys its loaders on this object, so loaders (and their caches) live exactly one request long.
 */
export interface Context {
  /** Neo4j reads for this request; `roundTrips` feeds `extensions.dbRoundTrips`. */
  db: BatchingReader;
  /** Derived data of the current import, shared by the requests of this app (keyed by data version). */
  perImport: PerImport;
}

/**
 * `track`: a query to read around every batch of the request, to see whether the data moved.
 * `perImport`: the app's store; a fresh one (shared with nobody) when not given.
 * `batching`: how the reader places the tracked reads (a re-run asks for the plainest way).
 */
export function createContext(
  executor: Executor,
  track?: Query,
  perImport = createPerImport(),
  batching?: BatchingOptions,
): Context {
  return { db: executor.batching(track, batching), perImport };
}
