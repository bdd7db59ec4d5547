/**
 * Releases side by side, pure: a release's catalog, the diff of two releases, and the migration of
 * saved work (ATT&CK IDs, tactic shortnames, Sigma tags, Navigator layers) from one to another.
 */
export {
  type Catalog,
  type CatalogObject,
  type CatalogRelationship,
  catalogFromBundle,
  catalogFromStix,
  type StixLike,
} from './catalog.ts';
export {
  type ChangeKind,
  type DiffCounts,
  type DiffOptions,
  type ObjectChange,
  type RelationshipChange,
  type ReleaseDiff,
  releaseDiff,
} from './diff.ts';
export type { Focus, GainReason, LossReason, TechniqueGain, TechniqueLoss } from './focus.ts';
export {
  LayerError,
  type LayerTechnique,
  type MigratedLayer,
  migrateLayer,
  type NavigatorLayer,
  parseLayer,
} from './layer.ts';
export { followRevocations, type ObjectRef } from './lookup.ts';
export { type ItemKind, type MigratedItem, migrate, type Outcome, parseItem } from './migrate.ts';
