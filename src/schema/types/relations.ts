import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../../context.ts';
import {
  type Family,
  fetchPages,
  type Level,
  RELATED,
  type Reads,
  type RelatedItem,
  type RelatedOptions,
  type Relation,
} from '../../data/related.ts';
import {
  type NodeRef,
  type NodeRow,
  type Page,
  refKey,
  refOf,
  type Visibility,
  type Window,
} from '../../data/rows.ts';
import { connectionReads, singleReads } from '../selection.ts';
import {
  type PageArgs,
  toConnection,
  type VisibilityArgs,
  visibilityArgs,
  visibilityOf,
  windowOf,
} from './common.ts';

const relatedLoaders = createContextCache(
  () => new Map<string, DataLoader<NodeRef, Page<RelatedItem>, string>>(),
);

/**
 * One page of `of` for one parent, batched: every parent asking for the same field with the same
 * arguments and selection in this request shares one DataLoader, so one round trip serves them all.
 */
export function loadRelated(
  ctx: Context,
  of: Family,
  reads: Reads,
  parent: NodeRow | NodeRef,
  options: RelatedOptions,
): Promise<Page<RelatedItem>> {
  return loaderOf(ctx, of, reads, options).load(refOf(parent));
}

function loaderOf(ctx: Context, of: Family, reads: Reads, options: RelatedOptions) {
  const key = `${of.name}|${reads.key}|${JSON.stringify(options)}`;
  const loaders = relatedLoaders(ctx);
  let loader = loaders.get(key);
  if (!loader) {
    loader = new DataLoader((refs: readonly NodeRef[]) => fetchPages(ctx.db, of, reads, refs, options), {
      cacheKeyFn: refKey,
    });
    loaders.set(key, loader);
  }
  return loader;
}

/**
 * Hands `level`'s loader pages read ahead (by a statement that read several levels at once), so
 * the fields of that level find them without a read. The loader is the one `loadRelated` uses for
 * the same family, reads and options: a field whose selection or arguments differ reads as usual.
 */
export function primeRelated(
  ctx: Context,
  level: Level,
  pages: Iterable<readonly [NodeRef, Page<RelatedItem>]>,
) {
  const loader = loaderOf(ctx, level.of, level.reads, level.options);
  for (const [ref, page] of pages) loader.prime(ref, page);
}

/** The first `limit` related nodes, revoked and deprecated ones included: for fields without filters. */
export const unfiltered = (limit: number): RelatedOptions => ({
  domain: null,
  includeRevoked: true,
  includeDeprecated: true,
  offset: 0,
  limit,
  includeSubtechniques: null,
  via: null,
  rollUp: null,
});

/** Resolves a connection field of `of` for its parent, from the field's arguments and selection. */
export async function relatedConnection(
  ctx: Context,
  of: Family,
  parent: NodeRow | NodeRef,
  args: PageArgs & VisibilityArgs,
  info: GraphQLResolveInfo,
  extra: Omit<RelatedOptions, keyof Visibility | keyof Window> = {},
) {
  const options = relatedOptions(args, extra);
  return toConnection(await loadRelated(ctx, of, connectionReads(info), parent, options), options);
}

/** What a connection field of a relation reads, from the field's arguments (and the relation's own). */
export const relatedOptions = (
  args: PageArgs & VisibilityArgs,
  extra: Omit<RelatedOptions, keyof Visibility | keyof Window> = {},
): RelatedOptions => ({
  ...visibilityOf(args),
  ...windowOf(args),
  includeSubtechniques: extra.includeSubtechniques ?? null,
  via: extra.via ?? null,
  rollUp: extra.rollUp ?? null,
});

/** The first related node, for single-valued relationships (a sub-technique's parent). */
export async function relatedOne(ctx: Context, of: Family, parent: NodeRow, info: GraphQLResolveInfo) {
  const page = await loadRelated(ctx, of, singleReads(info), parent, unfiltered(1));
  return page.items[0]?.node ?? null;
}

/**
 * The options of a plain relationship field: a non-null connection of `type` over one relation,
 * taking the visibility filters. Pass them to `t.connection` with the field's connection type.
 */
export const relationField = <Type>(relation: Relation, type: Type, description: string) => ({
  nullable: false as const,
  type,
  description,
  args: visibilityArgs,
  resolve: (row: NodeRow, args: PageArgs & VisibilityArgs, ctx: Context, info: GraphQLResolveInfo) =>
    relatedConnection(ctx, RELATED[relation], row, args, info),
});
