import { z } from 'zod';
import type { Query, ReadExecutor } from '../../neo4j/executor.ts';
import type { Domain } from '../rows.ts';

/**
 * One import run's change sets: the given run, or the domain's latest run that recorded changes
 * (the first import into an empty graph records none), with the release it replaced.
 */
export const CHANGE_RUN: Query = {
  name: 'analytics.changeRun',
  cypher: `
MATCH (r:ImportRun)
WHERE ($runId IS NULL OR r.id = $runId) AND ($domain IS NULL OR r.domain = $domain)
  AND ($runId IS NOT NULL OR r.changesJson IS NOT NULL)
WITH r ORDER BY r.finishedAt DESC LIMIT 1
OPTIONAL MATCH (prev:ImportRun) WHERE prev.domain = r.domain AND prev.finishedAt < r.finishedAt
WITH r, prev ORDER BY prev.finishedAt DESC
WITH r, head(collect(prev.attackVersion)) AS fromVersion
RETURN r.id AS runId, r.domain AS domain, r.attackVersion AS attackVersion, fromVersion,
       r.finishedAt AS finishedAt, r.changesJson AS changesJson, r.relationshipChangesJson AS relationshipChangesJson`,
};

const text = z.string().nullish();
const runRow = z.object({
  runId: z.string(),
  domain: z.string(),
  attackVersion: text,
  fromVersion: text,
  finishedAt: z.string(),
  changesJson: text,
  relationshipChangesJson: text,
});

export const objectChange = z.object({
  change: z.enum(['added', 'modified', 'revoked', 'deprecated', 'removed']),
  stixId: z.string(),
  attackId: z.string().nullish(),
  name: z.string(),
  stixType: z.string(),
  versionChange: z.enum(['major', 'minor', 'none']).nullish(),
  fromVersion: text,
  toVersion: text,
});
export type ObjectChangeRow = z.infer<typeof objectChange>;

export const relationshipChange = z.object({
  change: z.enum(['added', 'modified', 'removed']),
  type: z.string(),
  key: z.string(),
  from: z.string(),
  to: z.string(),
});
export type RelationshipChangeRow = z.infer<typeof relationshipChange>;

export interface ChangeRun {
  runId: string;
  domain: string;
  attackVersion: string | null;
  fromVersion: string | null;
  finishedAt: string;
  changes: ObjectChangeRow[];
  relationshipChanges: RelationshipChangeRow[];
}

export async function fetchChangeRun(
  db: ReadExecutor,
  args: { runId: string | null; domain: Domain | null },
): Promise<ChangeRun | null> {
  const [row] = await db.read(CHANGE_RUN, args);
  if (!row) return null;
  const r = runRow.parse(row);
  return {
    runId: r.runId,
    domain: r.domain,
    attackVersion: r.attackVersion ?? null,
    fromVersion: r.fromVersion ?? null,
    finishedAt: r.finishedAt,
    changes: r.changesJson ? z.array(objectChange).parse(JSON.parse(r.changesJson)) : [],
    relationshipChanges: r.relationshipChangesJson
      ? z.array(relationshipChange).parse(JSON.parse(r.relationshipChangesJson))
      : [],
  };
}
