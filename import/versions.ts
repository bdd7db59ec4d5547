import type { Domain } from '../src/model.ts';

/*
 * An object several domains share is one node, but each domain's bundle has its own version of it.
 * `versions` records each domain's as "domain modified hash"; the node holds the newest, and on
 * equal `modified` (82 objects of enterprise and ICS 18.1 differ only in labels and such) the one
 * with the greater hash. The choice is made among the domains' current versions only, so the graph
 * does not depend on the order of imports, a domain's own older version never outlives it, and
 * importing the same bundles again writes nothing.
 */
type Version = { domain: string; modified: string; hash: string };
/** What a node or relationship in the graph records of its versions. */
export type Stored = { versions: string[]; domains: string[]; modified: string | null; hash: string };

export const versionText = (v: Version) => `${v.domain} ${v.modified} ${v.hash}`;
const newer = (a: Version, b: Version) =>
  a.modified > b.modified || (a.modified === b.modified && a.hash > b.hash);

function versionsOf(stored: Stored): Map<string, Version> {
  const out = new Map<string, Version>();
  for (const text of stored.versions) {
    const [domain = '', modified = '', hash = ''] = text.split(' ');
    if (stored.domains.includes(domain)) out.set(domain, { domain, modified, hash });
  }
  // Written before versions were recorded: the stored content stands for every domain.
  for (const domain of stored.domains)
    if (!out.has(domain)) out.set(domain, { domain, modified: stored.modified ?? '', hash: stored.hash });
  return out;
}

const listed = (m: Map<string, Version>) =>
  [...m.values()].sort((a, b) => (a.domain < b.domain ? -1 : 1)).map(versionText);

/** Every domain's version of `stored`, as a node or relationship that stored them all would list them. */
export const versionsHeld = (stored: Stored) => listed(versionsOf(stored));

/**
 * What a node or relationship stores of `versions`, once it holds the content `held`: the entries
 * that content does not give, since versionsOf derives a listed domain's missing entry from it. An
 * object of one domain, or whose domains have the same version, stores none, which spares an import
 * a list per object (Neo4j pays per property written). A graph that stored them all reads the same.
 */
export function kept(versions: string[], held: { modified: string | null; hash: string }): string[] {
  return versions.filter((text) => {
    const [, modified = '', hash = ''] = text.split(' ');
    return modified !== (held.modified ?? '') || hash !== held.hash;
  });
}

/** Records domain `d`'s version; `wins` when the node should hold it. */
export function settle(stored: Stored, d: string, modified: string, hash: string) {
  const all = versionsOf(stored);
  const mine = { domain: d, modified, hash };
  all.set(d, mine);
  const best = [...all.values()].reduce((a, b) => (newer(b, a) ? b : a));
  return { versions: listed(all), wins: best === mine || best.hash === hash };
}

/** The versions left when domain `d` no longer has the object. */
export function without(stored: Stored, d: string): string[] {
  const all = versionsOf(stored);
  all.delete(d);
  return listed(all);
}

const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Whether `stored`, keeping its content, already has `domains` and `versions`. The versions are
 * compared as stored (`kept`), so that a graph that stored every version is not rewritten.
 */
export const holds = (stored: Stored, domains: string[], versions: string[]) =>
  sameSet(domains, stored.domains) && same(kept(versions, stored), kept(stored.versions, stored));
export const withDomain = (domains: string[], d: Domain) =>
  domains.includes(d) ? domains : [...domains, d].sort();
