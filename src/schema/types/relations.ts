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
  type Via,
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
import {
  type Ahead,
  childrenAhead,
  connectionReads,
  connectionReadsAhead,
  here,
  perField,
  singleReads,
  singleReadsAhead,
} from '../selection.ts';
import { type PageArgs, toConnection, type VisibilityArgs, visibilityArgs, windowOf } from './common.ts';

const relatedLoaders = createContextCache(
  () => new Map<string, DataLoader<NodeRef, Page<RelatedItem>, string>>(),
);

/**
 * Pages read ahead (see `primeRelated`), by loader key and then parent: the very row the statement
 * returned for the parent, which is what the parent's fields receive, so the parent needs no key
 * to find its page by. A field whose page is here resolves synchronously: no DataLoader round, no
 * promise. In the matrix that is every technique's sub-techniques (some 400 fields), and a list of
 * synchronous fields completes without a promise per item.
 */
const primedPages = createContextCache(() => new Map<string, WeakMap<object, Page<RelatedItem>>>());

/** The key of one loader: family, reads and options (the options' JSON, in their fixed key order). */
const loaderKey = (of: Family, reads: Reads, options: RelatedOptions) =>
  `${of.name}|${reads.key}|${JSON.stringify(options)}`;

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
  return Promise.resolve(pageFor(ctx, loaderKey(of, reads, options), of, reads, options, parent));
}

/** `parent`'s page for loader `key`: at once when it was read ahead, else through the loader. */
function pageFor(
  ctx: Context,
  key: string,
  of: Family,
  reads: Reads,
  options: RelatedOptions,
  parent: NodeRow | NodeRef,
): Page<RelatedItem> | Promise<Page<RelatedItem>> {
  return primedPages(ctx).get(key)?.get(parent) ?? loaderOf(ctx, key, of, reads, options).load(refOf(parent));
}

function loaderOf(ctx: Context, key: string, of: Family, reads: Reads, options: RelatedOptions) {
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
 * Hands `level`'s fields pages read ahead (by a statement that read several levels at once), so
 * they find them without a read: the fields of the same family, reads and options as `level`, on
 * the parent rows given (the objects the parent field resolves to); a field whose selection or
 * arguments differ reads as usual. The first page given for a parent stays.
 */
export function primeRelated(
  ctx: Context,
  level: Level,
  pages: Iterable<readonly [NodeRow, Page<RelatedItem>]>,
) {
  const key = loaderKey(level.of, level.reads, level.options);
  const all = primedPages(ctx);
  let byRow = all.get(key);
  if (!byRow) {
    byRow = new WeakMap();
    all.set(key, byRow);
  }
  for (const [row, page] of pages) if (!byRow.has(row)) byRow.set(row, page);
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

/** What a connection field reads, from its arguments and selection, and its loader's key. */
interface FieldReads {
  options: RelatedOptions;
  reads: Reads;
  key: string;
}

/**
 * Resolves a connection field of `of` for its parent: at once when its page was read ahead, else
 * through the field's loader.
 */
function relatedConnection(ctx: Context, of: Family, parent: NodeRow | NodeRef, field: FieldReads) {
  const { options, reads, key } = field;
  const page = pageFor(ctx, key, of, reads, options, parent);
  return page instanceof Promise ? page.then((p) => toConnection(p, options)) : toConnection(page, options);
}

/**
 * What a connection field of a relation reads, from the field's arguments (and the relation's own).
 * Written out, not spread: it runs for every parent of a list, and its JSON is a loader key.
 */
export function relatedOptions(
  args: PageArgs & VisibilityArgs,
  extra: Omit<RelatedOptions, keyof Visibility | keyof Window> = {},
): RelatedOptions {
  const { offset, limit } = windowOf(args);
  return {
    domain: args.domain ?? null,
    includeRevoked: args.includeRevoked ?? false,
    includeDeprecated: args.includeDeprecated ?? false,
    offset,
    limit,
    includeSubtechniques: extra.includeSubtechniques ?? null,
    via: extra.via ?? null,
    rollUp: extra.rollUp ?? null,
  };
}

/** The options of a single-valued relationship: its first node. */
const ONE = unfiltered(1);

/** The first related node, for single-valued relationships (a sub-technique's parent). */
export async function relatedOne(ctx: Context, of: Family, parent: NodeRow, info: GraphQLResolveInfo) {
  const page = await loadRelated(ctx, of, singleReads(info), parent, ONE);
  return page.items[0]?.node ?? null;
}

/** The arguments a relation field may take. */
type LevelArgs = PageArgs &
  VisibilityArgs & {
    includeSubtechniques?: boolean | null;
    via?: readonly Via[] | null;
    rollUp?: boolean | null;
  };

/** What a relation field adds to its family's options, from its arguments. */
export type Extra = (args: LevelArgs) => Omit<RelatedOptions, keyof Visibility | keyof Window>;

/**
 * In a relation field's extensions: its family, and what its arguments add to the options, so
 * that a resolver reading ahead (a lookup, the matrix) reads the field's page exactly as the
 * field's own resolver would, and the field finds it there. `single`: a field of one node, read
 * as `relatedOne` reads it.
 */
export interface RelatedExtensions {
  related: { of: Family; extra?: Extra; single?: boolean };
}

const relatedOf = (at: Ahead) => (at.extensions as Partial<RelatedExtensions>).related;

/**
 * The level that relation field `at` reads, with its reads and options; undefined when `at` is
 * not selected once, is not a relation field, or has a bad argument (a cursor of another list:
 * the field then reads for itself and says so where it stands).
 */
export function levelAt(at: Ahead | undefined): Level | undefined {
  const spec = at && relatedOf(at);
  if (!at || !spec) return undefined;
  if (spec.single) return { of: spec.of, reads: singleReadsAhead(at), options: ONE };
  const args = at.args as LevelArgs;
  try {
    return {
      of: spec.of,
      reads: connectionReadsAhead(at),
      options: relatedOptions(args, spec.extra?.(args)),
    };
  } catch {
    return undefined;
  }
}

/** The relation fields the field being resolved selects, as levels a statement can read ahead. */
const levelsAheadOf = perField((info: GraphQLResolveInfo): readonly Level[] =>
  childrenAhead(here(info)).flatMap((at) => levelAt(at) ?? []),
);
export const levelsAhead = (info: GraphQLResolveInfo) => levelsAheadOf(info, undefined);

/**
 * A connection field over family `of`: its resolver, and the extensions that let a parent read its
 * page ahead (see `RelatedExtensions`). `extra` turns the field's own arguments into options. What
 * the field reads is worked out once per field of the operation, not once per parent.
 */
export const relatedField = (of: Family, extra?: Extra) => {
  const fieldReads = perField(
    (info, args: LevelArgs): FieldReads => {
      const options = relatedOptions(args, extra?.(args));
      const reads = connectionReads(info);
      return { options, reads, key: loaderKey(of, reads, options) };
    },
    { withArguments: true },
  );
  return {
    extensions: { related: { of, extra } } satisfies RelatedExtensions,
    resolve: (row: NodeRow, args: LevelArgs, ctx: Context, info: GraphQLResolveInfo) =>
      relatedConnection(ctx, of, row, fieldReads(info, args)),
  };
};

/**
 * The options of a plain relationship field: a non-null connection of `type` over one relation,
 * taking the visibility filters. Pass them to `t.connection` with the field's connection type.
 */
export const relationField = <Type>(relation: Relation, type: Type, description: string) => ({
  nullable: false as const,
  type,
  description,
  args: visibilityArgs,
  ...relatedField(RELATED[relation]),
});
