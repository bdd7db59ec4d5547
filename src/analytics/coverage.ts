import { compareObjects } from './sets.ts';

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
  const subsOf = new Map<string, CatalogTechnique[]>();
  for (const t of catalog) {
    if (!t.parent) continue;
    const subs = subsOf.get(t.parent);
    if (subs) subs.push(t);
    else subsOf.set(t.parent, [t]);
  }
  const self = (t: CatalogTechnique) =>
    detected.has(t.stixId) || (options.parentCoversSubtechniques && !!t.parent && detected.has(t.parent));
  const status = new Map<string, 'covered' | 'partial' | 'uncovered'>();
  for (const t of catalog) {
    if (self(t)) {
      status.set(t.stixId, 'covered');
      continue;
    }
    const subs = t.isSubtechnique ? [] : (subsOf.get(t.stixId) ?? []);
    const coveredSubs = subs.filter(self).length;
    status.set(
      t.stixId,
      subs.length > 0 && coveredSubs === subs.length ? 'covered' : coveredSubs > 0 ? 'partial' : 'uncovered',
    );
  }
  const units = catalog.filter((t) => options.includeSubtechniques || !t.isSubtechnique);
  const uses = (t: CatalogTechnique) => usedBy.get(t.stixId)?.size ?? 0;
  const perTactic: TacticCoverage[] = tactics.map((tactic) => {
    const inTactic = units.filter((t) => t.tactics.includes(tactic)).sort(compareObjects);
    const covered = inTactic.filter((t) => status.get(t.stixId) === 'covered');
    const uncovered = inTactic
      .filter((t) => status.get(t.stixId) !== 'covered')
      .sort((a, b) => uses(b) - uses(a) || compareObjects(a, b));
    return {
      tactic,
      covered: covered.map((t) => t.stixId),
      partial: inTactic.filter((t) => status.get(t.stixId) === 'partial').map((t) => t.stixId),
      uncovered: uncovered.map((t) => t.stixId),
      total: inTactic.length,
      percent: percentOf(covered.length, inTactic.length),
    };
  });
  const coveredUnits = units.filter((t) => status.get(t.stixId) === 'covered').length;
  return {
    perTactic,
    status,
    total: units.length,
    covered: coveredUnits,
    percent: percentOf(coveredUnits, units.length),
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
