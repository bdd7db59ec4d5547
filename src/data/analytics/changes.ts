import { z } from 'zod';
import type { ObjectChange, RelationshipChange } from '../../change-log.ts';
import type { Query, ReadExecutor } from '../../neo4j/executor.ts';
import { changesOf, relationshipChangesOf } from '../import-runs.ts';
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

export interface ChangeRun {
  runId: string;
  domain: string;
  attackVersion: string | null;
  fromVersion: string | null;
  finishedAt: string;
  changes: ObjectChange[];
  relationshipChanges: RelationshipChange[];
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
    changes: changesOf(r.changesJson),
    relationshipChanges: relationshipChangesOf(r.relationshipChangesJson),
  };
}
