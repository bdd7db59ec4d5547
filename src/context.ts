import type { PerImport } from './data/analytics/per-import.ts';
import type { BatchingReader } from './neo4j/executor.ts';

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
