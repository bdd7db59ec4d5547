import type { BatchingReader, Executor, Query } from './neo4j/executor.ts';

/**
 * The per-request GraphQL context. Build a fresh one for every request: the dataloader plugin
 * keys its loaders on this object, so loaders (and their caches) live exactly one request long.
 */
export interface Context {
  /** Neo4j reads for this request; `roundTrips` feeds `extensions.dbRoundTrips`. */
  db: BatchingReader;
}

/** `track`: a query to read around every batch of the request, to see whether the data moved. */
export function createContext(executor: Executor, track?: Query): Context {
  return { db: executor.batching(track) };
}
