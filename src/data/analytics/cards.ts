import type { ReadExecutor } from '../../neo4j/executor.ts';
import {
  CORE,
  type CoreRow,
  type Domain,
  LABELS,
  type Label,
  perRelease,
  project,
  type ReleaseArg,
  releaseParams,
  rowsAs,
} from '../rows.ts';
import { entry, ID_LIKE } from './common.ts';

/**
 * Every object of one release as the analyst results show it (the `CORE` row, what `objects.core`
 * reads) plus what resolving an input key needs (aliases, domains). An analyst request reads these
 * once per data version instead of loading the few hundred nodes of its answer: the graph has a few
 * thousand objects per release, so the whole table is small.
 */
export const NODE_CARDS = perRelease((named) => ({
  name: 'analytics.nodeCards',
  cypher: `MATCH (n:AttackObject) WHERE ${entry('n', named)}
   RETURN ${project('n', CORE)} AS node, coalesce(n.aliases, []) AS aliases, coalesce(n.domains, []) AS domains`,
}));

export interface Card {
  node: CoreRow;
  /** Lower-cased name and aliases: what a name key matches. */
  names: string[];
  domains: string[];
  /** Neither revoked nor deprecated (`activeInDomain` without the domain). */
  active: boolean;
}

export interface Cards {
  /** By STIX id (bare: one release's table). */
  byStixId: ReadonlyMap<string, Card>;
  byAttackId: ReadonlyMap<string, readonly Card[]>;
  /** By lower-cased name or alias. */
  byName: ReadonlyMap<string, readonly Card[]>;
}

const push = <K, V>(map: Map<K, V[]>, key: K, value: V) => {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
};

export function cardsFrom(rows: readonly { node: CoreRow; aliases: string[]; domains: string[] }[]): Cards {
  const byStixId = new Map<string, Card>();
  const byAttackId = new Map<string, Card[]>();
  const byName = new Map<string, Card[]>();
  for (const r of rows) {
    const names = [
      ...new Set([r.node.name, ...r.aliases].filter((x): x is string => typeof x === 'string')),
    ].map((x) => x.toLowerCase());
    const card: Card = {
      node: r.node,
      names,
      domains: r.domains,
      active: !r.node.revoked && !r.node.deprecated,
    };
    byStixId.set(r.node.stixId, card);
    if (r.node.attackId != null) push(byAttackId, r.node.attackId, card);
    for (const n of new Set(names)) push(byName, n, card);
  }
  return { byStixId, byAttackId, byName };
}

/** Every object of the release (the newest when null), indexed. */
export async function fetchCards(db: ReadExecutor, release: ReleaseArg): Promise<Cards> {
  const rows = await db.read(NODE_CARDS(release), releaseParams(release));
  return cardsFrom(rowsAs<{ node: CoreRow; aliases: string[]; domains: string[] }>(rows));
}

/** Cypher's ascending order on strings: nulls last. */
const ascending = (a: string | null | undefined, b: string | null | undefined) =>
  a === b ? 0 : a == null ? 1 : b == null ? -1 : a < b ? -1 : 1;

/**
 * `RESOLVE_KEYS` over the cards: the active object of `labels` (in `domain`) with `key` as its
 * ATT&CK ID, STIX id, or (for a key that is not ID-like) name or alias, case-insensitively; the
 * lowest ATT&CK ID, then STIX id, wins. Undefined when nothing matches.
 */
export function resolveCard(
  cards: Cards,
  key: string,
  labels: readonly Label[],
  domain: Domain | null,
): Card | undefined {
  const wanted = labels.map((l) => LABELS[l]);
  const candidates = new Set<Card>(cards.byAttackId.get(key) ?? []);
  const byStix = cards.byStixId.get(key);
  if (byStix) candidates.add(byStix);
  if (!ID_LIKE.test(key)) for (const c of cards.byName.get(key.toLowerCase()) ?? []) candidates.add(c);
  let best: Card | undefined;
  for (const c of candidates) {
    if (!c.active || (domain !== null && !c.domains.includes(domain))) continue;
    if (!c.node.nodeLabels.some((l) => (wanted as readonly string[]).includes(l))) continue;
    if (
      !best ||
      (ascending(c.node.attackId, best.node.attackId) || ascending(c.node.stixId, best.node.stixId)) < 0
    )
      best = c;
  }
  return best;
}
