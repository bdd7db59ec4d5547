import { compareObjects } from '../model.ts';

/** What coverage needs to know about one technique. */
export interface CatalogTechnique {
  stixId: string;
  attackId: string | null;
  name: string;
  isSubtechnique: boolean;
  /** The parent technique's STIX id, for sub-techniques. */
  parent: string | null;
  /** Shortnames of the tactics it belongs to. */
  tactics: string[];
}

export interface CoverageOptions {
  /** A listed parent technique covers all of its sub-techniques too. */
  parentCoversSubtechniques: boolean;
  /** Count sub-techniques as units of coverage (otherwise only top-level techniques). */
  includeSubtechniques: boolean;
}

export interface TacticCoverage {
  tactic: string;
  covered: string[];
  /** Parents not covered themselves, some (not all) of whose sub-techniques are. */
  partial: string[];
  /** Ranked: most used first (see `usedBy`), then by ATT&CK ID. */
  uncovered: string[];
  total: number;
  percent: number;
}

export const percentOf = (part: number, whole: number) => (whole === 0 ? 0 : (100 * part) / whole);

/** What coverage reads of a catalog on every request, worked out once per catalog (one import). */
interface Layout {
  subsOf: Map<string, CatalogTechnique[]>;
  /** Per tactic shortname, its units in the stable order (compareObjects). */
  byTactic: Map<string, CatalogTechnique[]>;
  units: number;
}
/** Each catalog's layout, with sub-techniques as units and without. */
const layouts = {
  withSubtechniques: new WeakMap<readonly CatalogTechnique[], Layout>(),
  topLevelOnly: new WeakMap<readonly CatalogTechnique[], Layout>(),
};

function layoutOf(catalog: readonly CatalogTechnique[], includeSubtechniques: boolean): Layout {
  const byCatalog = includeSubtechniques ? layouts.withSubtechniques : layouts.topLevelOnly;
  let layout = byCatalog.get(catalog);
  if (!layout) {
    const subsOf = new Map<string, CatalogTechnique[]>();
    const byTactic = new Map<string, CatalogTechnique[]>();
    let units = 0;
    for (const t of [...catalog].sort(compareObjects)) {
      if (t.parent) {
        const subs = subsOf.get(t.parent);
        if (subs) subs.push(t);
        else subsOf.set(t.parent, [t]);
      }
      if (!includeSubtechniques && t.isSubtechnique) continue;
      units++;
      // A tactic named twice still holds the technique once.
      for (const tactic of new Set(t.tactics)) {
        const list = byTactic.get(tactic);
        if (list) list.push(t);
        else byTactic.set(tactic, [t]);
      }
    }
    layout = { subsOf, byTactic, units };
    byCatalog.set(catalog, layout);
  }
  return layout;
}

/**
 * Coverage of a technique catalog by a set of detected techniques.
 * A technique is covered when it is listed; when its parent is listed and
 * `parentCoversSubtechniques`; or, for a parent, when it has sub-techniques and all are covered.
 */
export function computeCoverage(
  catalog: readonly CatalogTechnique[],
  tactics: readonly string[],
  detected: ReadonlySet<string>,
  usedBy: ReadonlyMap<string, ReadonlySet<string>>,
  options: CoverageOptions,
) {
  const { subsOf, byTactic, units } = layoutOf(catalog, options.includeSubtechniques);
  const self = (t: CatalogTechnique) =>
    detected.has(t.stixId) || (options.parentCoversSubtechniques && !!t.parent && detected.has(t.parent));
  const status = new Map<string, 'covered' | 'partial' | 'uncovered'>();
  let coveredUnits = 0;
  for (const t of catalog) {
    let state: 'covered' | 'partial' | 'uncovered';
    if (self(t)) state = 'covered';
    else {
      const subs = t.isSubtechnique ? [] : (subsOf.get(t.stixId) ?? []);
      const coveredSubs = subs.filter(self).length;
      state =
        subs.length > 0 && coveredSubs === subs.length
          ? 'covered'
          : coveredSubs > 0
            ? 'partial'
            : 'uncovered';
    }
    status.set(t.stixId, state);
    if (state === 'covered' && (options.includeSubtechniques || !t.isSubtechnique)) coveredUnits++;
  }
  const uses = (id: string) => usedBy.get(id)?.size ?? 0;
  const perTactic: TacticCoverage[] = tactics.map((tactic) => {
    const inTactic = byTactic.get(tactic) ?? [];
    const covered: string[] = [];
    const partial: string[] = [];
    const uncovered: string[] = [];
    for (const t of inTactic) {
      const state = status.get(t.stixId);
      if (state === 'covered') covered.push(t.stixId);
      else {
        if (state === 'partial') partial.push(t.stixId);
        uncovered.push(t.stixId);
      }
    }
    // A stable sort of a list in the stable order: ties stay by ATT&CK ID.
    uncovered.sort((a, b) => uses(b) - uses(a));
    return {
      tactic,
      covered,
      partial,
      uncovered,
      total: inTactic.length,
      percent: percentOf(covered.length, inTactic.length),
    };
  });
  return {
    perTactic,
    status,
    total: units,
    covered: coveredUnits,
    percent: percentOf(coveredUnits, units),
  };
}

/**
 * Who uses each technique, for ranking gaps: a sub-technique's own users; a parent's users plus
 * the users of any of its sub-techniques.
 */
export function usersWithSubtechniques(
  catalog: readonly CatalogTechnique[],
  usage: ReadonlyMap<string, ReadonlySet<string>>,
): Map<string, Set<string>> {
  const byTechnique = new Map<string, Set<string>>();
  const add = (technique: string, actor: string) => {
    const set = byTechnique.get(technique);
    if (set) set.add(actor);
    else byTechnique.set(technique, new Set([actor]));
  };
  const parentOf = new Map(catalog.map((t) => [t.stixId, t.parent]));
  for (const [actor, techniques] of usage) {
    for (const t of techniques) {
      add(t, actor);
      const parent = parentOf.get(t);
      if (parent) add(parent, actor);
    }
  }
  return byTechnique;
}
