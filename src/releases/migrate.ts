import type { Catalog, CatalogObject } from './catalog.ts';
import {
  followRevocations,
  isCurrent,
  type Lookup,
  label,
  lookup,
  type ObjectRef,
  refOf,
  tacticIds,
  tacticOf,
} from './lookup.ts';

/*
 * Saved work named in release X, said in release Y: each item gets one outcome and its reason.
 * Items are ATT&CK IDs of any type, tactic shortnames, or Sigma rule tags (`attack.t1003.001`,
 * `attack.credential-access`, `attack.g0016`). Layers go through `migrateLayer` (layer.ts).
 */

export type Outcome =
  | 'unchanged'
  | 'renamed'
  /** Revoked in Y: `to` is where the whole revoked-by chain ends. */
  | 'replaced'
  | 'moved'
  | 'deprecated'
  /** Not in X, but Y knows it (perhaps the item was written for a newer release than X). */
  | 'unknown-in-from'
  | 'unknown'
  /** No single answer: a fork in the revoked-by chain, a tactic split, an object gone from Y. */
  | 'needs-review';

export type ItemKind = 'attack-id' | 'tactic' | 'sigma-tag';

export interface MigratedItem {
  item: string;
  kind: ItemKind;
  outcome: Outcome;
  reason: string;
  /** The object the item names in X. */
  from: ObjectRef | null;
  /** What it is in Y (several when it needs review). */
  to: ObjectRef[];
  /** The revoked-by hops followed in Y, in order. */
  chain: ObjectRef[];
  /** A technique's tactic shortnames in X and in Y. */
  tactics?: { from: string[]; to: string[] };
  /** The item rewritten for Y, in its own form (IDs, shortnames or Sigma tags). */
  migrated: string[];
}

interface Parsed {
  kind: ItemKind;
  /** An upper-case ATT&CK ID, or a lower-case tactic shortname. */
  key: string;
  isId: boolean;
}

const ATTACK_ID = /^(TA|DET|DS|DC|AN|[TGSMCA])\d{4,6}(\.\d{3})?$/i;

/** Stage 1: what an item names. Sigma writes tactics with hyphens (older rules with underscores). */
export function parseItem(text: string): Parsed {
  const trimmed = text.trim();
  const sigma = /^attack\./i.test(trimmed);
  const body = sigma ? trimmed.slice('attack.'.length) : trimmed;
  if (ATTACK_ID.test(body))
    return { kind: sigma ? 'sigma-tag' : 'attack-id', key: body.toUpperCase(), isId: true };
  return { kind: sigma ? 'sigma-tag' : 'tactic', key: body.toLowerCase().replace(/_/g, '-'), isId: false };
}

/** Stage 2: the object an item names in one release (current objects first). */
export function resolveItem(l: Lookup, p: Parsed): CatalogObject | undefined {
  if (!p.isId) return tacticOf(l, p.key);
  const all = l.byAttackId.get(p.key) ?? [];
  // Deprecated mitigations of old releases reuse technique IDs: a T ID means the technique.
  const technique = p.key.startsWith('T') && !p.key.startsWith('TA');
  return all.find((o) => !technique || o.type === 'attack-pattern') ?? all[0];
}

/** How the item is written for Y, in the form it came in. */
function rewrite(p: Parsed, o: CatalogObject): string {
  const text = p.isId || o.type !== 'x-mitre-tactic' ? (o.attackId ?? o.name) : (o.tactics[0] ?? o.name);
  return p.kind === 'sigma-tag' ? `attack.${text.toLowerCase()}` : text;
}

type Verdict = Omit<MigratedItem, 'item' | 'kind' | 'migrated'>;

/** Techniques of X's tactic `t` that now sit in tactics Y added: the tactic was split. */
function splitOf(x: Lookup, y: Lookup, t: CatalogObject): Map<string, CatalogObject[]> {
  const into = new Map<string, CatalogObject[]>();
  for (const a of x.catalog.objects) {
    if (a.type !== 'attack-pattern' || !isCurrent(a) || !tacticIds(x, a).includes(t.stixId)) continue;
    const now = y.byStixId.get(a.stixId);
    const chain = now && followRevocations(y, now);
    if (!chain?.ok) continue;
    for (const id of tacticIds(y, chain.end)) {
      if (id === t.stixId || x.byStixId.has(id) || !y.byStixId.has(id)) continue;
      into.set(id, [...(into.get(id) ?? []), a]);
    }
  }
  return into;
}

/** Stage 3, for an object X has and Y still has under its STIX id, current. */
function currentVerdict(x: Lookup, y: Lookup, a: CatalogObject, b: CatalogObject): Verdict {
  const base = { from: refOf(a), to: [refOf(b)], chain: [] };
  const renamed =
    a.name !== b.name ||
    a.attackId !== b.attackId ||
    (a.type === 'x-mitre-tactic' && a.tactics[0] !== b.tactics[0]);
  const renaming = renamed
    ? `${label(a)} is now ${label(b)}${a.type === 'x-mitre-tactic' ? ` (${b.tactics[0]})` : ''}`
    : '';
  if (a.type === 'x-mitre-tactic') {
    const split = splitOf(x, y, a);
    if (split.size) {
      const parts = [...split].map(([id, ts]) => {
        const t = y.byStixId.get(id) as CatalogObject;
        return {
          t,
          text: `${ts.length} of its techniques moved to the new tactic ${label(t)} (${t.tactics[0]})`,
        };
      });
      const reason = [renaming, ...parts.map((p) => p.text)].filter(Boolean).join('; ');
      return { ...base, to: [refOf(b), ...parts.map((p) => refOf(p.t))], outcome: 'needs-review', reason };
    }
  }
  const tactics = { from: a.tactics, to: b.tactics };
  if (a.type === 'attack-pattern') {
    const before = new Set(tacticIds(x, a));
    const after = tacticIds(y, b);
    if (before.size !== after.length || after.some((id) => !before.has(id))) {
      const reason = `${label(b)} moved from ${a.tactics.join(', ') || 'no tactic'} to ${b.tactics.join(', ') || 'no tactic'}`;
      return { ...base, tactics, outcome: 'moved', reason: renamed ? `${renaming}; ${reason}` : reason };
    }
  }
  const extra = a.type === 'attack-pattern' ? { tactics } : {};
  if (renamed) return { ...base, ...extra, outcome: 'renamed', reason: renaming };
  return { ...base, ...extra, outcome: 'unchanged', reason: `${label(b)} is unchanged` };
}

/** Stage 3: what object `a` of X is in Y. */
export function verdictOf(x: Lookup, y: Lookup, a: CatalogObject): Verdict {
  const Y = `release ${y.catalog.release}`;
  const b = y.byStixId.get(a.stixId);
  if (!b) {
    // Another object may carry the ID now: a candidate for a person to confirm, never an answer.
    const same =
      (a.attackId && y.byAttackId.get(a.attackId.toUpperCase())?.find((o) => o.type === a.type)) || null;
    const also = same ? `; its ATT&CK ID now names another object, ${label(same)}` : '';
    return {
      from: refOf(a),
      to: same ? [refOf(same)] : [],
      chain: [],
      outcome: 'needs-review',
      reason: `${label(a)} (${a.stixId}) is not in ${Y}${also}`,
    };
  }
  if (b.revoked) {
    const chain = followRevocations(y, b);
    const hops = chain.hops.map(refOf);
    if (!chain.ok)
      return {
        from: refOf(a),
        to: chain.ends.map(refOf),
        chain: hops,
        outcome: 'needs-review',
        reason: `${label(a)}: ${chain.why}`,
      };
    const path = [b, ...chain.hops].map((o) => o.attackId ?? o.name).join(' -> ');
    const tactics =
      b.type === 'attack-pattern' ? { tactics: { from: a.tactics, to: chain.end.tactics } } : {};
    if (chain.end.deprecated)
      return {
        from: refOf(a),
        to: [refOf(chain.end)],
        chain: hops,
        ...tactics,
        outcome: 'deprecated',
        reason: `revoked in ${Y} (${path}), and ${label(chain.end)} is deprecated`,
      };
    return {
      from: refOf(a),
      to: [refOf(chain.end)],
      chain: hops,
      ...tactics,
      outcome: 'replaced',
      reason: `revoked in ${Y}: ${path} (${label(chain.end)})`,
    };
  }
  if (b.deprecated)
    return {
      from: refOf(a),
      to: [refOf(b)],
      chain: [],
      outcome: 'deprecated',
      reason: `${label(b)} is deprecated in ${Y}, with no replacement`,
    };
  return currentVerdict(x, y, a, b);
}

function unknownVerdict(x: Lookup, y: Lookup, p: Parsed, item: string): Verdict {
  const inY = resolveItem(y, p);
  const none = { from: null, chain: [] };
  if (!inY)
    return {
      ...none,
      to: [],
      outcome: 'unknown',
      reason: `${item} is in neither release ${x.catalog.release} nor ${y.catalog.release}`,
    };
  const chain = followRevocations(y, inY);
  const end = chain.ok ? chain.end : inY;
  const reason = `${item} is not in release ${x.catalog.release}; in ${y.catalog.release} it is ${label(end)}${isCurrent(end) ? '' : ' (not current)'}`;
  return { ...none, to: [refOf(end)], chain: chain.hops.map(refOf), outcome: 'unknown-in-from', reason };
}

/** Pure: each item, named as in release `from`, said in release `to` of the same domain. */
export function migrate(items: readonly string[], from: Catalog, to: Catalog): MigratedItem[] {
  if (from.domain !== to.domain)
    throw new Error(
      `migrate works within one domain: ${from.domain} ${from.release} and ${to.domain} ${to.release}`,
    );
  const x = lookup(from);
  const y = lookup(to);
  return items.map((item) => {
    const p = parseItem(item);
    const a = resolveItem(x, p);
    const verdict = a ? verdictOf(x, y, a) : unknownVerdict(x, y, p, item.trim());
    const targets = verdict.to.flatMap((r) => y.byStixId.get(r.stixId) ?? []);
    const keep = verdict.outcome === 'unknown' || verdict.outcome === 'deprecated' || verdict.to.length === 0;
    return { item, kind: p.kind, ...verdict, migrated: keep ? [item] : targets.map((o) => rewrite(p, o)) };
  });
}
