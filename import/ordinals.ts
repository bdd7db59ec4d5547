import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { compareObjects } from '../src/model.ts';
import type { Executor, WriteTx } from '../src/neo4j/executor.ts';
import { q, SET_ORDINALS } from './cypher.ts';
import type { ExistingNode, Plan } from './diff.ts';
import { existingNode, parseRows, READ_NODES } from './existing.ts';

/*
 * Every node carries `ordinal`, its place in its release's stable order (compareObjects, src/model.ts):
 * lists sort on that one number instead of on the ATT&CK ID, name and STIX id, two of them strings
 * Neo4j reads from its dynamic store for every listed node. Ordinals are unique within a release and
 * only ever compared within one: relationships never leave a snapshot, and every list is of one
 * release. They need not be dense: a removal leaves gaps.
 */

/** What a node's place depends on. */
type Placed = Pick<ExistingNode, 'stixId' | 'attackId' | 'name' | 'ordinal'>;

/** Where each node of a release goes once `plan` is written. */
export interface Placement {
  /** By STIX id, for every node the snapshot holds after the plan. */
  ordinals: Map<string, number>;
  /** Nodes the plan does not write whose stored ordinal is not theirs (missing, or out of order). */
  moved: { stixId: string; ordinal: number }[];
}

/**
 * The ordinals of the snapshot `existing` after `plan`. Kept as stored when they still sort it (a
 * re-import, changed texts, a removal): nothing to write. Otherwise (new objects, a new ATT&CK ID or
 * name, a graph from before ordinals) numbered anew from 0.
 */
export function placeNodes(
  existing: ExistingNode[],
  plan: Pick<Plan, 'createNodes' | 'updateNodes' | 'deleteNodes'>,
): Placement {
  const held = new Map<string, Placed>(existing.map((e) => [e.stixId, e]));
  for (const id of plan.deleteNodes) held.delete(id);
  for (const u of plan.updateNodes) {
    const e = held.get(u.stixId);
    const attackId = (u.props.attackId as string | null | undefined) ?? null;
    const name = (u.props.name as string | undefined) ?? '';
    if (e) held.set(u.stixId, { ...e, attackId, name });
  }
  for (const c of plan.createNodes)
    held.set(c.stixId, { stixId: c.stixId, attackId: c.attackId, name: c.name, ordinal: null });
  const order = [...held.values()].sort(compareObjects);
  const stored = order.map((n) => n.ordinal);
  if (ascending(stored))
    return { ordinals: new Map(order.map((n, i) => [n.stixId, stored[i] ?? i])), moved: [] };
  const written = new Set([...plan.updateNodes, ...plan.createNodes].map((n) => n.stixId));
  const moved = order.flatMap((n, i) =>
    written.has(n.stixId) || n.ordinal === i ? [] : [{ stixId: n.stixId, ordinal: i }],
  );
  return { ordinals: new Map(order.map((n, i) => [n.stixId, i])), moved };
}

/** Every ordinal there, each greater than the one before. */
function ascending(ordinals: (number | null)[]): ordinals is number[] {
  let last = Number.NEGATIVE_INFINITY;
  for (const o of ordinals) {
    if (o === null || o <= last) return false;
    last = o;
  }
  return true;
}

const UNPLACED = q(
  'import.unplacedReleases',
  'MATCH (n:AttackObject) WHERE n.ordinal IS NULL AND n.release IS NOT NULL RETURN DISTINCT n.release AS release',
);
/** Holds every domain's import lock: no import writes a snapshot while its ordinals are set. */
const LOCK_ALL = q('import.lockAll', 'MATCH (l:ImportLock) SET l.token = $token');

/** Numbers the nodes of `release` anew where they lack ordinals, in the transaction `tx`. */
async function placeRelease(tx: WriteTx, release: string): Promise<void> {
  // Only the nodes: readExisting would also read every relationship of the release.
  const nodes = parseRows(existingNode, await tx.run(READ_NODES, { release }), READ_NODES);
  const { moved } = placeNodes(nodes, { createNodes: [], updateNodes: [], deleteNodes: [] });
  if (moved.length > 0) await tx.run(SET_ORDINALS, { rows: moved, release });
}

/**
 * Gives ordinals to the nodes of a graph imported before them (one read when every node has one).
 * Runs before each ATT&CK import, as the migration of older graphs does (ensureAttackSchema).
 */
export async function ensureOrdinals(executor: Executor): Promise<void> {
  const releases = z
    .array(z.object({ release: z.string() }))
    .parse(await executor.read(UNPLACED))
    .map((r) => r.release);
  if (releases.length === 0) return;
  await executor.write('import.placeNodes', async (tx) => {
    await tx.run(LOCK_ALL, { token: randomUUID() });
    for (const release of releases) await placeRelease(tx, release);
  });
}
