/*
 * The list bounds (list-bounds.ts) of the release diff and migration types, kept beside them.
 * A diff lists objects and STIX relationships of one domain's release: enterprise 18.1 has about
 * 25,000 objects and relationships together.
 */
/** At most this many items in one `migrate`: every technique ID of a release is about 1,100. */
export const MAX_MIGRATE_ITEMS = 5_000;

const OBJECTS = 10_000;
const RELATIONSHIPS = 50_000;
const PER_OBJECT = 64;

export const RELEASE_LIST_BOUNDS = {
  'ReleaseDiff.objects': OBJECTS,
  'ReleaseDiff.relationships': RELATIONSHIPS,
  'ReleaseDiffCounts.byKind': PER_OBJECT,
  'ReleaseObjectChange.replacedBy': PER_OBJECT,
  'ReleaseFocusTechniques.before': OBJECTS,
  'ReleaseFocusTechniques.after': OBJECTS,
  'ReleaseFocusTechniques.gained': OBJECTS,
  'ReleaseFocusTechniques.lost': OBJECTS,
  'TechniqueLoss.replacedBy': PER_OBJECT,
  'TechniqueGain.via': PER_OBJECT,
  'Query.migrate': (args: readonly Readonly<Record<string, unknown>>[]) => {
    const items = args[0]?.items;
    return Array.isArray(items) ? Math.min(items.length, MAX_MIGRATE_ITEMS) : MAX_MIGRATE_ITEMS;
  },
  'MigratedItem.to': PER_OBJECT,
  'MigratedItem.chain': PER_OBJECT,
  'MigratedLayer.entries': OBJECTS,
} as const;
