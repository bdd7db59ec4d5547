import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { Context } from '../../context.ts';
import {
  fetchPages,
  RELATED,
  type RelatedItem,
  type RelatedOptions,
  type Relation,
} from '../../data/related.ts';
import type { NodeRow, Page, Visibility, Window } from '../../data/rows.ts';
import type { Query } from '../../neo4j/executor.ts';
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
 * One page of `query` for one parent, batched: every parent asking for the same field with the
 * same arguments in this request shares one DataLoader, so one round trip serves them all.
 */
export function loadRelated(
  ctx: Context,
  query: Query,
  id: string,
  options: RelatedOptions,
): Promise<Page<RelatedItem>> {
  const key = `${query.name}|${JSON.stringify(options)}`;
  const loaders = relatedLoaders(ctx);
  let loader = loaders.get(key);
  if (!loader) {
    loader = new DataLoader((ids: readonly string[]) => fetchPages(ctx.db, query, ids, options));
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

/** Resolves a connection field of `query` for its parent, from the field's paging and visibility args. */
export async function relatedConnection(
  ctx: Context,
  query: Query,
  parentId: string,
  args: PageArgs & VisibilityArgs,
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
  return toConnection(await loadRelated(ctx, query, parentId, options), window);
}

/** The first related node, for single-valued relationships (a sub-technique's parent). */
export async function relatedOne(ctx: Context, query: Query, parentId: string) {
  const page = await loadRelated(ctx, query, parentId, unfiltered(1));
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
  resolve: (row: NodeRow, args: PageArgs & VisibilityArgs, ctx: Context) =>
    relatedConnection(ctx, RELATED[relation], row.stixId, args),
});
