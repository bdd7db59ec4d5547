/**
 * Pure set computations behind the analyst queries. Items are opaque keys (STIX ids); callers
 * order results with `compareKeys` (src/model.ts) over a sort key they choose (usually the ATT&CK ID).
 */
import { compareKeys } from '../model.ts';

/** |a ∩ b| / |a ∪ b|; 0 when both are empty. */
export function jaccard<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  const shared = intersection(a, b).length;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}

/** The items of `a` that are also in `b`, in `a`'s iteration order. */
export function intersection<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): T[] {
  const out: T[] = [];
  for (const x of a) if (b.has(x)) out.push(x);
  return out;
}

export interface OverlapResult<A, T> {
  /** Items every member uses. */
  shared: T[];
  /** Items used by at least one member. */
  union: T[];
  /** Per member: its items and those no other member uses. */
  members: { member: A; items: T[]; unique: T[] }[];
  /** Per item: the members that use it. */
  usage: Map<T, A[]>;
}

/**
 * Overlap of several members' item sets. With one member, everything it uses is both shared and
 * unique; with none, everything is empty.
 */
export function overlap<A, T>(sets: ReadonlyMap<A, ReadonlySet<T>>): OverlapResult<A, T> {
  const usage = new Map<T, A[]>();
  for (const [member, items] of sets) {
    for (const item of items) {
      const users = usage.get(item);
      if (users) users.push(member);
      else usage.set(item, [member]);
    }
  }
  const n = sets.size;
  const union = [...usage.keys()];
  const shared = n === 0 ? [] : union.filter((item) => usage.get(item)?.length === n);
  const members = [...sets].map(([member, items]) => ({
    member,
    items: [...items],
    unique: [...items].filter((item) => usage.get(item)?.length === 1),
  }));
  return { shared, union, members, usage };
}

export interface Similar<A, T> {
  member: A;
  score: number;
  shared: T[];
  unionSize: number;
}

/** Every other member ranked by Jaccard similarity to `target`'s set (score > 0 only), best first. */
export function rankBySimilarity<A, T>(
  target: A,
  sets: ReadonlyMap<A, ReadonlySet<T>>,
  tieBreak: (a: A, b: A) => number,
): Similar<A, T>[] {
  const mine = sets.get(target) ?? new Set<T>();
  const out: Similar<A, T>[] = [];
  for (const [member, items] of sets) {
    if (member === target) continue;
    const shared = intersection(mine, items);
    if (shared.length === 0) continue;
    const unionSize = mine.size + items.size - shared.length;
    out.push({ member, score: shared.length / unionSize, shared, unionSize });
  }
  return out.sort((a, b) => b.score - a.score || tieBreak(a.member, b.member));
}

export interface CoverStep<C, T> {
  candidate: C;
  /** Items this step covers that no earlier step did. */
  added: T[];
  /** Items covered after this step. */
  cumulative: number;
}

/**
 * Greedy set cover: repeatedly picks the candidate that covers the most still-uncovered items of
 * `target` (ties: `tieBreak` order), until `max` steps or nothing more can be covered.
 */
export function greedyCover<C, T>(
  target: ReadonlySet<T>,
  candidates: ReadonlyMap<C, ReadonlySet<T>>,
  max: number,
  tieBreak: (a: C, b: C) => number,
): { steps: CoverStep<C, T>[]; uncovered: T[] } {
  const uncovered = new Set(target);
  const remaining = new Map<C, T[]>();
  for (const [c, items] of candidates) {
    const useful = [...items].filter((x) => target.has(x));
    if (useful.length) remaining.set(c, useful);
  }
  const steps: CoverStep<C, T>[] = [];
  while (steps.length < max && uncovered.size > 0) {
    let best: C | undefined;
    let bestGain = 0;
    for (const [c, items] of remaining) {
      let gain = 0;
      for (const x of items) if (uncovered.has(x)) gain++;
      if (gain > bestGain || (gain === bestGain && gain > 0 && best !== undefined && tieBreak(c, best) < 0)) {
        best = c;
        bestGain = gain;
      }
    }
    if (best === undefined || bestGain === 0) break;
    const added = (remaining.get(best) ?? []).filter((x) => uncovered.has(x));
    for (const x of added) uncovered.delete(x);
    remaining.delete(best);
    steps.push({ candidate: best, added, cumulative: target.size - uncovered.size });
  }
  return { steps, uncovered: [...uncovered] };
}

export interface Association<A, T> {
  item: T;
  /** Members using both the antecedent and this item. */
  both: A[];
  /** |both| / N */
  support: number;
  /** |both| / |members using the antecedent| */
  confidence: number;
  /** confidence / (|members using this item| / N) */
  lift: number;
  /** How many members use this item at all. */
  itemCount: number;
}

/**
 * Association rules `antecedent -> item` over members' item sets (market-basket analysis):
 * N is the number of members with a non-empty set. Items never used together are left out.
 */
export function associations<A, T>(
  antecedent: T,
  sets: ReadonlyMap<A, ReadonlySet<T>>,
): { population: number; antecedentCount: number; rules: Association<A, T>[] } {
  const population = [...sets.values()].filter((s) => s.size > 0).length;
  const counts = new Map<T, number>();
  const together = new Map<T, A[]>();
  let antecedentCount = 0;
  for (const [member, items] of sets) {
    const has = items.has(antecedent);
    if (has) antecedentCount++;
    for (const item of items) {
      counts.set(item, (counts.get(item) ?? 0) + 1);
      if (has && item !== antecedent) {
        const both = together.get(item);
        if (both) both.push(member);
        else together.set(item, [member]);
      }
    }
  }
  const rules: Association<A, T>[] = [];
  for (const [item, both] of together) {
    const itemCount = counts.get(item) ?? 0;
    const confidence = both.length / antecedentCount;
    rules.push({
      item,
      both,
      support: both.length / population,
      confidence,
      lift: confidence / (itemCount / population),
      itemCount,
    });
  }
  return { population, antecedentCount, rules };
}

export interface CooccurrenceOptions {
  /** Only items used together by at least this many members. */
  minCount: number;
  limit: number;
}

/**
 * The items most often used together with `antecedent`: most co-users first, then by lift, then
 * by `sortKey` (the ATT&CK ID). Also who uses the antecedent, and the population N.
 */
export function rankCooccurrence<A, T>(
  antecedent: T,
  sets: ReadonlyMap<A, ReadonlySet<T>>,
  sortKey: (item: T) => string | null | undefined,
  { minCount, limit }: CooccurrenceOptions,
): { population: number; users: A[]; rules: Association<A, T>[] } {
  const { population, rules } = associations(antecedent, sets);
  const users = [...sets].filter(([, s]) => s.has(antecedent)).map(([a]) => a);
  const ranked = rules
    .filter((r) => r.both.length >= minCount)
    .sort(
      (a, b) =>
        b.both.length - a.both.length || b.lift - a.lift || compareKeys(sortKey(a.item), sortKey(b.item)),
    )
    .slice(0, limit);
  return { population, users, rules: ranked };
}
