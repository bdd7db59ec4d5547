import { compareKeys } from '../model.ts';

/** What prevalence needs to know about a technique. */
export interface PrevalenceTechnique {
  stixId: string;
  attackId: string | null;
  isSubtechnique: boolean;
  tactics: readonly string[];
}

/** One actor's usage: its kind and the techniques (STIX ids) it uses. */
export interface PrevalenceActor<K extends string> {
  kind: K;
  techniques: Iterable<string>;
}

export interface PrevalenceItem<K extends string> {
  technique: string;
  /** Users per kind (every kind in `kinds`, 0 when none). */
  counts: Record<K, number>;
  total: number;
  /** total / actorCount. */
  share: number;
  tactics: readonly string[];
}

export interface PrevalenceOptions {
  /** Only techniques of this tactic (shortname); every tactic when null. */
  tactic: string | null;
  includeSubtechniques: boolean;
}

/**
 * Techniques ranked by how many actors use them: most used first, ties by ATT&CK ID. Only
 * techniques of the catalog in scope count; `actorCount` is the number of actors using at least
 * one of them (the denominator of `share`). Unused techniques are left out.
 */
export function rankPrevalence<K extends string>(
  catalog: Iterable<PrevalenceTechnique>,
  actors: Iterable<PrevalenceActor<K>>,
  kinds: readonly K[],
  options: PrevalenceOptions,
): { actorCount: number; items: PrevalenceItem<K>[] } {
  const inScope = new Map<string, PrevalenceTechnique>();
  for (const c of catalog) {
    if (!options.includeSubtechniques && c.isSubtechnique) continue;
    if (options.tactic !== null && !c.tactics.includes(options.tactic)) continue;
    inScope.set(c.stixId, c);
  }
  const items = new Map<string, PrevalenceItem<K>>();
  let actorCount = 0;
  for (const actor of actors) {
    let counted = false;
    for (const technique of actor.techniques) {
      const entry = inScope.get(technique);
      if (!entry) continue;
      counted = true;
      let item = items.get(technique);
      if (!item) {
        const counts = Object.fromEntries(kinds.map((k) => [k, 0])) as Record<K, number>;
        item = { technique, counts, total: 0, share: 0, tactics: entry.tactics };
        items.set(technique, item);
      }
      item.counts[actor.kind] = (item.counts[actor.kind] ?? 0) + 1;
      item.total++;
    }
    if (counted) actorCount++;
  }
  const ranked = [...items.values()]
    .map((i) => ({ ...i, share: actorCount ? i.total / actorCount : 0 }))
    .sort(
      (a, b) =>
        b.total - a.total ||
        compareKeys(inScope.get(a.technique)?.attackId, inScope.get(b.technique)?.attackId),
    );
  return { actorCount, items: ranked };
}
