import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../../context.ts';
import {
  type Family,
  fetchPages,
  RELATED,
  type Reads,
  type RelatedItem,
  type RelatedOptions,
  type Relation,
} from '../../data/related.ts';
import type { NodeRow, Page, Visibility, Window } from '../../data/rows.ts';
import { connectionReads, singleReads } from '../selection.ts';
import {
  type PageArgs,
  toConnection,
  type VisibilityArgs,
  visibilityArgs,
  visibilityOf,
  windowOf,
} from './common.ts';

const relatedLoaders = createContextCache(() => new Map<string, DataLoader<string, Page<RelatedItem>>>());

/**
 * One page of `of` for one parent, batched: every parent asking for the same field with the same
 * arguments and selection in this request shares one DataLoader, so one round trip serves them all.
 */
export function loadRelated(
  ctx: Context,
  of: Family,
  reads: Reads,
  id: string,
  options: RelatedOptions,
): Promise<Page<RelatedItem>> {
  const key = `${of.name}|${reads.key}|${JSON.stringify(options)}`;
  const loaders = relatedLoaders(ctx);
  let loader = loaders.get(key);
  if (!loader) {
    loader = new DataLoader((ids: readonly string[]) => fetchPages(ctx.db, of, reads, ids, options));
    loaders.set(key, loader);
  }
  return loader.load(id);
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
  parentId: string,
  args: PageArgs & VisibilityArgs,
  info: GraphQLResolveInfo,
  extra: Omit<RelatedOptions, keyof Visibility | keyof Window> = {},
) {
  const window = windowOf(args);
  const options: RelatedOptions = {
    ...visibilityOf(args),
    ...window,
    includeSubtechniques: extra.includeSubtechniques ?? null,
    via: extra.via ?? null,
    rollUp: extra.rollUp ?? null,
  };
  return toConnection(await loadRelated(ctx, of, connectionReads(info), parentId, options), window);
}

/** The first related node, for single-valued relationships (a sub-technique's parent). */
export async function relatedOne(ctx: Context, of: Family, parentId: string, info: GraphQLResolveInfo) {
  const page = await loadRelated(ctx, of, singleReads(info), parentId, unfiltered(1));
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
    relatedConnection(ctx, RELATED[relation], row.stixId, args, info),
});
