import type { Executor, ReadExecutor } from './neo4j/executor.ts';

/**
 * The per-request GraphQL context. Build a fresh one for every request: the dataloader plugin
 * keys its loaders on this object, so loaders (and their caches) live exactly one request long.
 */
export interface Context {
  /** Neo4j reads for this request; `roundTrips` feeds `extensions.dbRoundTrips`. */
  db: ReadExecutor & { readonly roundTrips: number };
}

export function createContext(executor: Executor): Context {
  return { db: executor.counted() };
}
