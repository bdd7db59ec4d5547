import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { Context } from '../../context.ts';
import { fetchComplete } from '../../data/objects.ts';
import type { NodeRow } from '../../data/rows.ts';

/** Complete rows by STIX id, one DataLoader per request: every field that needs them shares it. */
export const completeRows = createContextCache(
  (ctx: Context) => new DataLoader((ids: readonly string[]) => fetchComplete(ctx.db, ids)),
);

/**
 * The row with every property: itself when it has them, otherwise read for every node of the level
 * that needs them in one batch (which travels with the next level's reads).
 */
export async function complete(ctx: Context, row: NodeRow): Promise<NodeRow> {
  return row.complete ? row : ((await completeRows(ctx).load(row.stixId)) ?? row);
}
