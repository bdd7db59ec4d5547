/**
 * The objects of a release as analyst results show them, kept per data version (see
 * src/data/analytics/cards.ts): input keys resolve against them and results name their objects
 * from them, so that an analyst request reads only what its own question needs from Neo4j.
 */
import { createContextCache } from '@pothos/core';
import type { Context } from '../../../context.ts';
import { type Cards, fetchCards, resolveCard } from '../../../data/analytics/cards.ts';
import { type Resolved, resolvedFrom } from '../../../data/analytics/common.ts';
import {
  type CoreRow,
  type Domain,
  isNamed,
  type Label,
  nodeIdOf,
  type ReleaseArg,
  refOfNodeId,
} from '../../../data/rows.ts';
import { compareObjects } from '../../../model.ts';
import { coreRows } from '../complete.ts';

/** The cards this request already holds, by release: its later fields need not wait for them. */
const held = createContextCache((_ctx: Context) => new Map<string | null, Cards>());

/** The release's objects (the newest when null), read once per data version. */
export async function cardsOf(ctx: Context, release: ReleaseArg): Promise<Cards> {
  const cards = await ctx.perImport.get(ctx.db, `cards@${release ?? ''}`, (db) => fetchCards(db, release));
  held(ctx).set(release ?? null, cards);
  return cards;
}

/**
 * `nodeRows` at once, without a promise, when the request holds the cards of every release named
 * and they know every id (a large answer names hundreds of objects: promises cost more than the
 * lookups). Undefined otherwise.
 */
export function nodeRowsHeld(ctx: Context, ids: readonly string[]): CoreRow[] | undefined {
  const tables = held(ctx);
  const out: CoreRow[] = [];
  for (const id of ids) {
    const node = heldIn(tables, id);
    if (!node) return undefined;
    out.push(node);
  }
  return out;
}

/** `nodeRowsHeld` for one id (one per row of a large answer: no arrays). */
export const nodeRowHeld = (ctx: Context, id: string): CoreRow | undefined => heldIn(held(ctx), id);

function heldIn(tables: ReadonlyMap<string | null, Cards>, id: string): CoreRow | undefined {
  const ref = refOfNodeId(id);
  return tables.get(ref.release)?.byStixId.get(ref.stixId)?.node;
}

/** The rows of `nodeRows` that name an object. */
export const knownRows = (rows: readonly (CoreRow | null)[]): CoreRow[] =>
  rows.filter((r): r is CoreRow => r !== null);

/** Places in the API's stable order (`compareObjects`): numbers that sort as the objects do. */
export interface Places {
  of: (row: CoreRow) => number;
  at: (place: number) => CoreRow;
}

/** Objects in the stable order, and each one's place. */
interface Order {
  rows: CoreRow[];
  place: Map<CoreRow, number>;
}

function orderFrom(rows: readonly CoreRow[]): Order {
  const sorted = [...rows].sort(compareObjects);
  return { rows: sorted, place: new Map(sorted.map((r, i) => [r, i])) };
}

const placesIn = ({ rows, place }: Order): Places => ({
  of: (r) => place.get(r) ?? -1,
  at: (p) => rows[p] as CoreRow,
});

/** The cards' order: made once per cards. */
const ordered = new WeakMap<Cards, Order>();

function orderOf(cards: Cards): Order {
  let order = ordered.get(cards);
  if (!order) {
    order = orderFrom([...cards.byStixId.values()].map((c) => c.node));
    ordered.set(cards, order);
  }
  return order;
}

/**
 * Places for `rows`: their places among the objects of the release whose cards this request holds
 * when those know every row, else their positions once sorted. A large answer orders a thousand
 * objects and more, and numbers compare faster than three strings.
 */
export function placesOf(ctx: Context, rows: readonly CoreRow[]): Places {
  for (const cards of held(ctx).values()) {
    const order = orderOf(cards);
    if (rows.every((r) => order.place.has(r))) return placesIn(order);
  }
  return placesIn(orderFrom(rows));
}

/** Node ids' places in the stable order (see `Places`), for results that carry ids. */
export interface IdPlaces {
  /** Undefined for an id that names no object. */
  of: (id: string) => number | undefined;
  at: (place: number) => CoreRow;
}

/** The places of node ids, found from their rows (`nodeRows`, `placesOf`). */
export async function idPlacesOf(ctx: Context, ids: readonly string[]): Promise<IdPlaces> {
  const nodes = await nodeRows(ctx, ids);
  const places = placesOf(ctx, knownRows(nodes));
  const placed = new Map<string, number>();
  for (const [i, id] of ids.entries()) {
    const node = nodes[i];
    if (node) placed.set(id, places.of(node));
  }
  return { of: (id) => placed.get(id), at: places.at };
}

/** `rows` in the API's stable order (`compareObjects`). */
export function sortObjects(ctx: Context, rows: readonly CoreRow[]): CoreRow[] {
  const places = placesOf(ctx, rows);
  return Array.from(Float64Array.from(rows, places.of).sort(), places.at);
}

/**
 * `resolveKeys` (the same answer as its Cypher, RESOLVE_KEYS) from the cards: no round trip of its
 * own once the release's cards are held.
 */
export async function resolveKeysOf(
  ctx: Context,
  keys: readonly string[],
  labels: readonly Label[],
  domain: Domain | null,
  release: ReleaseArg = null,
): Promise<Resolved> {
  return resolvedFrom(keys, async (wanted) => {
    const cards = await cardsOf(ctx, release);
    const byKey = new Map<string, string>();
    for (const k of wanted) {
      const card = resolveCard(cards, k, labels, domain);
      // An analyst id: the bare STIX id in the newest release, `nodeIdOf`'s form in a named one (idOf).
      if (card) byKey.set(k, isNamed(release) ? nodeIdOf(card.node) : card.node.stixId);
    }
    return byKey;
  });
}

/**
 * The core rows of analyst ids (node ids: a bare STIX id names the newest release's object), in
 * the order of `ids`, null for an unknown one. From the cards of each release named; an id they
 * lack (an object outside ATT&CK's labels) goes to the request's core-row loader.
 */
export async function nodeRows(ctx: Context, ids: readonly string[]): Promise<(CoreRow | null)[]> {
  const refs = ids.map(refOfNodeId);
  const releases = [...new Set(refs.map((r) => r.release))];
  const tables = new Map(await Promise.all(releases.map(async (r) => [r, await cardsOf(ctx, r)] as const)));
  const out: (CoreRow | null)[] = [];
  const missing: number[] = [];
  for (const [i, ref] of refs.entries()) {
    const card = tables.get(ref.release)?.byStixId.get(ref.stixId);
    out.push(card ? card.node : null);
    if (!card) missing.push(i);
  }
  if (missing.length) {
    const loaded = await coreRows(ctx).loadMany(missing.map((i) => refs[i] as (typeof refs)[number]));
    for (const [j, i] of missing.entries()) {
      const row = loaded[j];
      out[i] = row && !(row instanceof Error) ? row : null;
    }
  }
  return out;
}
