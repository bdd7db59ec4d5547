/**
 * The analyst queries' inputs that derive from the whole import: the technique catalog, the
 * tactic order, every actor's technique (or software) set and every mitigation's techniques.
 * Each is read once per data version and release, and kept in memory (see per-import.ts); callers
 * must treat the values as read-only, since concurrent requests share them. A null release is the
 * newest (`:Current`), whichever it is at that data version.
 */
import type { Context } from '../../../context.ts';
import {
  type CatalogRow,
  fetchAttackIdsOf,
  fetchCatalog,
  fetchLatestVersion,
  fetchTacticOrder,
  type TacticRow,
} from '../../../data/analytics/common.ts';
import {
  type AnalyticRow,
  type ChainStrategy,
  fetchEveryAnalytic,
  fetchEveryChain,
} from '../../../data/analytics/detection.ts';
import { fetchMitigationsOf, type MitigationRow } from '../../../data/analytics/mitigations.ts';
import {
  ACTOR_LABELS,
  type ActorKind,
  type ActorUsage,
  fetchActorTechniques,
  fetchItemSets,
  type UsageBasis,
  type UsageFilters,
} from '../../../data/analytics/usage.ts';
import type { Via } from '../../../data/related.ts';
import type { Domain, ReleaseArg } from '../../../data/rows.ts';

/** Filters that differ only in case or order give the same rows: one entry for them, per release. */
const keyOf = (name: string, release: ReleaseArg, parts: unknown[]) =>
  `${name}@${release ?? ''}:${JSON.stringify(parts)}`;
const setKey = (xs: readonly string[]) => [...new Set(xs)].sort();
const platformKey = (p: string | null) => p?.toLowerCase() ?? null;

export interface Catalog {
  rows: readonly CatalogRow[];
  byId: ReadonlyMap<string, CatalogRow>;
}

/** The current techniques of the domain (and platform), in ATT&CK ID order. */
export function catalogOf(
  ctx: Context,
  f: { domain: Domain | null; platform: string | null; release?: ReleaseArg },
): Promise<Catalog> {
  const key = keyOf('catalog', f.release, [f.domain, platformKey(f.platform)]);
  return ctx.perImport.get(ctx.db, key, async (db) => {
    const rows = await fetchCatalog(db, { domain: f.domain, platform: f.platform, release: f.release });
    return { rows, byId: new Map(rows.map((r) => [r.stixId, r])) };
  });
}

/** The ATT&CK release a layer names: the one asked for, else the domain's latest import. */
export function latestVersionOf(
  ctx: Context,
  domain: Domain,
  release: ReleaseArg = null,
): Promise<string | null> {
  if (release != null) return Promise.resolve(release);
  return ctx.perImport.get(ctx.db, keyOf('latestVersion', null, [domain]), (db) =>
    fetchLatestVersion(db, domain),
  );
}

/** The domain's tactics in matrix order. */
export function tacticsOf(
  ctx: Context,
  domain: Domain | null,
  release: ReleaseArg = null,
): Promise<readonly TacticRow[]> {
  return ctx.perImport.get(ctx.db, keyOf('tactics', release, [domain]), (db) =>
    fetchTacticOrder(db, domain, release),
  );
}

export interface UsageFilterValues {
  via: readonly Via[];
  domain: Domain | null;
  platform: string | null;
  rollUp: boolean;
  release?: ReleaseArg;
}

export interface Usage {
  /** Every current actor of the kinds with at least one technique in scope. */
  actors: readonly ActorUsage[];
  /** The same, as technique sets by actor. */
  sets: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The technique usage of every current actor of `kinds`; `only` narrows it to those actors. */
export async function usageOf(
  ctx: Context,
  kinds: readonly ActorKind[],
  f: UsageFilterValues,
  only?: readonly string[],
): Promise<Usage> {
  const key = keyOf('usage', f.release, [
    setKey(kinds),
    setKey(f.via),
    f.domain,
    platformKey(f.platform),
    f.rollUp,
  ]);
  const all = await ctx.perImport.get(ctx.db, key, async (db) => {
    const actors = await fetchActorTechniques(db, { kinds, actors: null, ...f });
    return { actors, sets: new Map(actors.map((a) => [a.actor, new Set(a.techniques.keys())])) };
  });
  if (!only) return all;
  const wanted = new Set(only);
  const actors = all.actors.filter((a) => wanted.has(a.actor));
  return { actors, sets: new Map(actors.map((a) => [a.actor, all.sets.get(a.actor) ?? new Set()])) };
}

export interface ItemSets {
  /** Each actor's items on the basis (actors using none are left out). */
  sets: ReadonlyMap<string, ReadonlySet<string>>;
  /** The ATT&CK ID of every current actor of the kinds, for stable tie-breaks. */
  attackIds: ReadonlyMap<string, string | null>;
}

/** Every current actor's item set on `basis` (techniques, software or both). */
export function itemSetsOf(
  ctx: Context,
  kinds: readonly ActorKind[],
  f: UsageFilterValues,
  basis: UsageBasis,
): Promise<ItemSets> {
  const key = keyOf('items', f.release, [
    setKey(kinds),
    basis,
    setKey(f.via),
    f.domain,
    platformKey(f.platform),
    f.rollUp,
  ]);
  return ctx.perImport.get(ctx.db, key, async (db) => {
    const usage: UsageFilters = { kinds, actors: null, ...f };
    const [sets, attackIds] = await Promise.all([
      fetchItemSets(db, usage, basis),
      fetchAttackIdsOf(
        db,
        kinds.map((k) => ACTOR_LABELS[k]),
        f.domain,
        f.release,
      ),
    ]);
    return { sets, attackIds };
  });
}

/**
 * Every current mitigation of the domain with the current techniques it addresses. Mitigation
 * plans narrow it to their target, which only ever holds current techniques of the domain.
 */
export async function mitigationsOf(
  ctx: Context,
  domain: Domain | null,
  release: ReleaseArg = null,
): Promise<readonly MitigationRow[]> {
  const techniques = await catalogOf(ctx, { domain, platform: null, release });
  return ctx.perImport.get(ctx.db, keyOf('mitigations', release, [domain]), (db) =>
    fetchMitigationsOf(
      db,
      techniques.rows.map((t) => t.stixId),
      domain,
      release,
    ),
  );
}

/** Every active analytic of the domain (and platform) with its log sources and what it detects. */
export function everyAnalyticOf(
  ctx: Context,
  f: { domain: Domain | null; platform: string | null; release?: ReleaseArg },
): Promise<readonly AnalyticRow[]> {
  return ctx.perImport.get(ctx.db, keyOf('analytics', f.release, [f.domain, platformKey(f.platform)]), (db) =>
    fetchEveryAnalytic(db, f),
  );
}

/** Every technique's detection chain in the domain (analytics of the platform). */
export function everyChainOf(
  ctx: Context,
  f: { domain: Domain | null; platform: string | null; release?: ReleaseArg },
): Promise<ReadonlyMap<string, readonly ChainStrategy[]>> {
  return ctx.perImport.get(ctx.db, keyOf('chains', f.release, [f.domain, platformKey(f.platform)]), (db) =>
    fetchEveryChain(db, f),
  );
}
