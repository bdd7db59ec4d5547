import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { Context } from '../../context.ts';
import { fetchComplete, fetchCore } from '../../data/objects.ts';
import {
  type NodeKey,
  type NodeRef,
  type NodeRow,
  type ReleaseRef,
  refKey,
  refOf,
  type StoredNode,
} from '../../data/rows.ts';
import { readsKeys } from '../selection.ts';

/** Complete rows by (STIX id, release), one DataLoader per request: every field that needs them shares it. */
export const completeRows = createContextCache(
  (ctx: Context) =>
    new DataLoader((refs: readonly NodeRef[]) => fetchComplete(ctx.db, refs), { cacheKeyFn: refKey }),
);

/**
 * Core rows by (STIX id, release), one DataLoader per request: for results that name nodes by id
 * (the analyst queries; a null release: the newest). Fields that show more read it through
 * `stored`, which completes the row on demand.
 */
export const coreRows = createContextCache(
  (ctx: Context) =>
    new DataLoader((refs: readonly ReleaseRef[]) => fetchCore(ctx.db, refs), { cacheKeyFn: refKey }),
);

/**
 * The row with every property: itself when it has them, otherwise read for every node of the level
 * that needs them in one batch (which travels with the next level's reads).
 */
export async function complete(ctx: Context, row: NodeRow): Promise<Partial<StoredNode>> {
  return row.complete ? row : ((await completeRows(ctx).load(refOf(row))) ?? row);
}

/**
 * The options of a field that shows stored property `key` through `show`: it declares the read
 * (so the level's query projects the property whenever the field is selected) and reads it from
 * the row. A row without the property (one built without this selection) gets it from the
 * complete-row loader instead of answering wrong.
 */
export function stored<K extends NodeKey, T>(key: K, show: (value: StoredNode[K] | null | undefined) => T) {
  return {
    extensions: readsKeys(key),
    resolve: (row: NodeRow, _args: unknown, ctx: Context): T | Promise<T> => {
      const value = storedValue(ctx, row, key);
      return value instanceof Promise ? value.then(show) : show(value);
    },
  };
}

/** Stored property `key` of `row`: at once when the row carries it, else from the complete row. */
export function storedValue<K extends NodeKey>(
  ctx: Context,
  row: NodeRow,
  key: K,
): StoredNode[K] | null | undefined | Promise<StoredNode[K] | null | undefined> {
  const stored: Partial<StoredNode> = row;
  return key in row || row.complete ? stored[key] : complete(ctx, row).then((r) => r[key]);
}

/** `show` for nullable scalars: absent means null. */
export const orNull = <V>(value: V | null | undefined): V | null => value ?? null;
/** `show` for lists: absent means empty. */
export const orEmpty = <V>(value: V[] | null | undefined): V[] => value ?? [];
