import { z } from 'zod';
import {
  type ChangeSummary,
  changeSummary,
  type ObjectChange,
  objectChange,
  type RelationshipChange,
  relationshipChange,
} from '../change-log.ts';
import type { Query, ReadExecutor } from '../neo4j/executor.ts';
import { type Domain, type Page, slice, type Window } from './rows.ts';

/** Import runs, newest first; each run is one committed import of one domain. */
export const IMPORT_RUNS: Query = {
  name: 'importRuns.list',
  cypher: `
    MATCH (r:ImportRun) WHERE $domain IS NULL OR r.domain = $domain
    WITH r ORDER BY r.finishedAt DESC, r.id
    WITH collect(r {.*}) AS hits
    RETURN size(hits) AS totalCount, ${slice('hits')} AS items`,
};

const text = z.string().nullish();
export const importRunRow = z.object({
  id: z.string(),
  domain: z.string(),
  attackVersion: text,
  source: z.string(),
  location: text,
  sha256: text,
  mode: text,
  startedAt: z.string(),
  finishedAt: z.string(),
  countsJson: text,
  summaryJson: text,
  changesJson: text,
  relationshipChangesJson: text,
  defectsJson: text,
});
export type ImportRunRow = z.infer<typeof importRunRow>;

const pageResult = z.object({ totalCount: z.number().int(), items: z.array(importRunRow) });

export async function fetchImportRuns(
  db: ReadExecutor,
  options: Window & { domain?: Domain | null },
): Promise<Page<ImportRunRow>> {
  const [row] = await db.read(IMPORT_RUNS, { ...options, domain: options.domain ?? null });
  return pageResult.parse(row);
}

/** `{"nodes": {"attack-pattern": 3}, "rels": {...}}` or `{"added": 3}` -> flat name/count pairs. */
export function countsOf(json: string | null | undefined): { name: string; count: number }[] {
  if (!json) return [];
  const out: { name: string; count: number }[] = [];
  const walk = (value: unknown, prefix: string) => {
    if (typeof value === 'number') out.push({ name: prefix, count: value });
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) walk(v, prefix ? `${prefix}.${k}` : k);
  };
  walk(JSON.parse(json), '');
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/*
 * The change log a run recorded (src/change-log.ts), parsed. The first import into an empty graph
 * records a summary but no lists.
 */
export const changesOf = (json: string | null | undefined): ObjectChange[] =>
  json ? z.array(objectChange).parse(JSON.parse(json)) : [];
export const relationshipChangesOf = (json: string | null | undefined): RelationshipChange[] =>
  json ? z.array(relationshipChange).parse(JSON.parse(json)) : [];
export const summaryOf = (json: string | null | undefined): ChangeSummary =>
  json ? changeSummary.parse(JSON.parse(json)) : {};

/** A relationship of the imported bundle whose end the bundle lacks (import/references.ts). */
export const importDefect = z.object({
  stixId: z.string(),
  relationshipType: z.string(),
  sourceRef: z.string(),
  targetRef: z.string(),
  missing: z.array(z.string()),
  foundIn: z.array(z.string()),
  written: z.boolean(),
});
export type ImportDefectRow = z.infer<typeof importDefect>;

export const defectsOf = (json: string | null | undefined): ImportDefectRow[] =>
  json ? z.array(importDefect).parse(JSON.parse(json)) : [];
