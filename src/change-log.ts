/**
 * What an import changed, in the one shape the importer records on its ImportRun (`changesJson`,
 * `relationshipChangesJson`, `summaryJson`) and the API reads back: an object change, a
 * relationship change, and the count of changes per kind.
 */
import { z } from 'zod';

/** The kinds of object change, in the order the API lists them. */
export const CHANGE_KINDS = ['added', 'modified', 'revoked', 'deprecated', 'removed'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** How a modified object's `x_mitre_version` moved. */
export const VERSION_CHANGES = ['major', 'minor', 'none'] as const;
export type VersionChange = (typeof VERSION_CHANGES)[number];

const major = (v: string | null | undefined) => (v ?? '').split('.')[0];
/** The one rule for how far a version moved, for import runs and release diffs alike. */
export const versionChangeOf = (
  from: string | null | undefined,
  to: string | null | undefined,
): VersionChange => (from === to ? 'none' : major(from) === major(to) ? 'minor' : 'major');

export const RELATIONSHIP_CHANGE_KINDS = ['added', 'modified', 'removed'] as const;

const text = z.string().nullish();

export const objectChange = z.object({
  change: z.enum(CHANGE_KINDS),
  stixId: z.string(),
  attackId: text,
  name: z.string(),
  stixType: z.string(),
  /** For modified objects only, as are the two versions. */
  versionChange: z.enum(VERSION_CHANGES).nullish(),
  fromVersion: text,
  toVersion: text,
});
export type ObjectChange = z.infer<typeof objectChange>;

export const relationshipChange = z.object({
  change: z.enum(RELATIONSHIP_CHANGE_KINDS),
  type: z.string(),
  key: z.string(),
  /** The ATT&CK ID (or name) of each end, as the importer labels them. */
  from: z.string(),
  to: z.string(),
});
export type RelationshipChange = z.infer<typeof relationshipChange>;

/** How many changes of each kind (kinds without any left out): what `summaryJson` holds. */
export type ChangeSummary = Partial<Record<ChangeKind, number>>;
export const changeSummary = z.partialRecord(z.enum(CHANGE_KINDS), z.number().int());

export function summarize(changes: readonly { change: ChangeKind }[]): ChangeSummary {
  const out: ChangeSummary = {};
  for (const c of changes) out[c.change] = (out[c.change] ?? 0) + 1;
  return out;
}

/** A summary as a list, in CHANGE_KINDS order. */
export const countsByKind = (summary: ChangeSummary): { change: ChangeKind; count: number }[] =>
  CHANGE_KINDS.flatMap((change) => {
    const count = summary[change] ?? 0;
    return count > 0 ? [{ change, count }] : [];
  });
