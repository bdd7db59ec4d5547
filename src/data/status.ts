import { z } from 'zod';
import type { Query, ReadExecutor } from '../neo4j/executor.ts';

/** The cheapest statement that proves Neo4j answers reads for our database. */
export const PING: Query = { name: 'status.ping', cypher: 'RETURN 1 AS ok' };

export const STATUS: Query = {
  name: 'status.summary',
  cypher: `
    CALL dbms.components() YIELD name, versions, edition
    WHERE name = 'Neo4j Kernel'
    CALL { MATCH (n:AttackObject) RETURN count(n) AS objectCount }
    RETURN versions[0] AS neo4jVersion, edition AS neo4jEdition, objectCount`,
};

const statusRow = z.object({
  neo4jVersion: z.string(),
  neo4jEdition: z.string(),
  objectCount: z.number().int(),
});

export type StatusRow = z.infer<typeof statusRow>;

/**
 * Whether some node lacks its place in its release's stable order (`ordinal`, which every list
 * sorts on): a graph imported before ordinals, which the importer's `ensureOrdinals` numbers.
 */
export const UNPLACED: Query = {
  name: 'status.unplaced',
  cypher:
    'RETURN EXISTS { MATCH (n:AttackObject) WHERE n.ordinal IS NULL AND n.release IS NOT NULL } AS unplaced',
};

export async function hasUnplacedNodes(db: ReadExecutor): Promise<boolean> {
  const [row] = await db.read(UNPLACED);
  return z.object({ unplaced: z.boolean() }).parse(row).unplaced;
}

export async function ping(db: ReadExecutor): Promise<void> {
  await db.read(PING);
}

export async function fetchStatus(db: ReadExecutor): Promise<StatusRow> {
  const [row] = await db.read(STATUS);
  return statusRow.parse(row);
}
