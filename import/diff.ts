import type { ObjectChange, RelationshipChange } from '../src/change-log.ts';
import type { Domain, NodeType, RelType } from '../src/model.ts';
import type { NodeWriteRow, Props, RelRow } from './rows.ts';
import type { GraphRows } from './transform.ts';

/** What the graph holds now for one node or relationship, as read at the start of the load. */
export interface ExistingNode {
  stixId: string;
  hash: string;
  domains: string[];
  modified: string;
  attackId: string | null;
  name: string;
  stixType: string;
  version: string | null;
  revoked: boolean;
  deprecated: boolean;
  versions: string[];
}

export interface ExistingRel {
  key: string;
  type: string;
  hash: string;
  domains: string[];
  modified: string | null;
  from: string;
  to: string;
  versions: string[];
}

export interface Plan {
  createNodes: (NodeWriteRow & { versions: string[] })[];
  updateNodes: { stixId: string; props: Props; hash: string; domains: string[]; versions: string[] }[];
  setDomains: { stixId: string; domains: string[]; versions: string[] }[];
  deleteNodes: string[];
  createRels: (RelRow & { domains: string[]; versions: string[] })[];
  updateRels: (RelRow & { domains: string[]; versions: string[] })[];
  setRelDomains: { key: string; from: string; domains: string[]; versions: string[] }[];
  deleteRels: { key: string; from: string }[];
  changes: ObjectChange[];
  relationshipChanges: RelationshipChange[];
}

export const planSize = (p: Plan) =>
  p.createNodes.length +
  p.updateNodes.length +
  p.setDomains.length +
  p.deleteNodes.length +
  p.createRels.length +
  p.updateRels.length +
  p.setRelDomains.length +
  p.deleteRels.length;

const major = (v: string | null | undefined) => (v ?? '').split('.')[0];
const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));
/*
 * An object several domains share is one node, but each domain's bundle has its own version of it.
 * `versions` records each domain's as "domain modified hash"; the node holds the newest, and on
 * equal `modified` (82 objects of enterprise and ICS 18.1 differ only in labels and such) the one
 * with the greater hash. The choice is made among the domains' current versions only, so the graph
 * does not depend on the order of imports, a domain's own older version never outlives it, and
 * importing the same bundles again writes nothing.
 */
type Version = { domain: string; modified: string; hash: string };
type Stored = { versions: string[]; domains: string[]; modified: string | null; hash: string };

const versionText = (v: Version) => `${v.domain} ${v.modified} ${v.hash}`;
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

/** Records domain `d`'s version; `wins` when the node should hold it. */
function settle(stored: Stored, d: string, modified: string, hash: string) {
  const all = versionsOf(stored);
  const mine = { domain: d, modified, hash };
  all.set(d, mine);
  const best = [...all.values()].reduce((a, b) => (newer(b, a) ? b : a));
  return { versions: listed(all), wins: best === mine || best.hash === hash };
}

/** The versions left when domain `d` no longer has the object. */
function without(stored: Stored, d: string): string[] {
  const all = versionsOf(stored);
  all.delete(d);
  return listed(all);
}

const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const withDomain = (domains: string[], d: Domain) => (domains.includes(d) ? domains : [...domains, d].sort());

/**
 * Pure: the writes that turn the graph into "this bundle is the domain's whole truth", leaving other
 * domains alone. An object shared with other domains keeps the newest version of itself (see above).
 * With `merge` (an incremental pull) the bundle holds only what changed: nothing else is removed,
 * but each object it carries replaces its derived links (tactics, parents, analytics...).
 */
export function planLoad(
  rows: GraphRows,
  nodes: ExistingNode[],
  rels: ExistingRel[],
  { merge = false }: { merge?: boolean } = {},
): Plan {
  const d = rows.domain;
  const plan: Plan = {
    createNodes: [],
    updateNodes: [],
    setDomains: [],
    deleteNodes: [],
    createRels: [],
    updateRels: [],
    setRelDomains: [],
    deleteRels: [],
    changes: [],
    relationshipChanges: [],
  };
  const existingNodes = new Map(nodes.map((n) => [n.stixId, n]));
  const incomingIds = new Set(rows.nodes.map((n) => n.stixId));
  const names = new Map<string, string>();
  const label = (stixId: string) => names.get(stixId) ?? existingNodes.get(stixId)?.attackId ?? stixId;

  for (const n of rows.nodes) {
    names.set(n.stixId, n.attackId ?? n.name);
    const e = existingNodes.get(n.stixId);
    const base = { stixId: n.stixId, attackId: n.attackId, name: n.name, stixType: n.type as string };
    const modified = String(n.props.modified);
    if (!e) {
      plan.createNodes.push({ ...n, versions: [versionText({ domain: d, modified, hash: n.hash })] });
      plan.changes.push({ change: 'added', ...base });
      continue;
    }
    const domains = withDomain(e.domains, d);
    const { versions, wins } = settle(e, d, modified, n.hash);
    if (!e.domains.includes(d)) plan.changes.push({ change: 'added', ...base });
    if (e.hash !== n.hash && wins) {
      plan.updateNodes.push({ stixId: n.stixId, props: n.props, hash: n.hash, domains, versions });
      if (!e.domains.includes(d)) continue;
      const toVersion = (n.props.version as string | null) ?? null;
      if (n.props.revoked && !e.revoked) plan.changes.push({ change: 'revoked', ...base });
      else if (n.props.deprecated && !e.deprecated) plan.changes.push({ change: 'deprecated', ...base });
      else
        plan.changes.push({
          change: 'modified',
          ...base,
          versionChange:
            e.version === toVersion ? 'none' : major(e.version) === major(toVersion) ? 'minor' : 'major',
          fromVersion: e.version,
          toVersion,
        });
    } else if (!sameSet(domains, e.domains) || !same(versions, e.versions)) {
      plan.setDomains.push({ stixId: n.stixId, domains, versions });
    }
  }
  for (const e of nodes) {
    if (merge || !e.domains.includes(d) || incomingIds.has(e.stixId)) continue;
    const domains = e.domains.filter((x) => x !== d);
    if (domains.length) plan.setDomains.push({ stixId: e.stixId, domains, versions: without(e, d) });
    else plan.deleteNodes.push(e.stixId);
    plan.changes.push({
      change: 'removed',
      stixId: e.stixId,
      attackId: e.attackId,
      name: e.name,
      stixType: e.stixType,
    });
  }

  const existingRels = new Map(rels.map((r) => [r.key, r]));
  const incomingKeys = new Set(rows.rels.map((r) => r.key));
  const relChange = (
    change: RelationshipChange['change'],
    r: { key: string; type: string; from: string; to: string },
  ) =>
    plan.relationshipChanges.push({ change, type: r.type, key: r.key, from: label(r.from), to: label(r.to) });

  for (const r of rows.rels) {
    const e = existingRels.get(r.key);
    const modified = String(r.props.modified ?? '');
    if (!e || e.from !== r.from || e.to !== r.to || e.type !== r.type) {
      if (e) plan.deleteRels.push({ key: e.key, from: e.from });
      const versions = e
        ? settle(e, d, modified, r.hash).versions
        : [versionText({ domain: d, modified, hash: r.hash })];
      plan.createRels.push({ ...r, domains: e ? withDomain(e.domains, d) : [d], versions });
      relChange('added', r);
      continue;
    }
    const domains = withDomain(e.domains, d);
    const { versions, wins } = settle(e, d, modified, r.hash);
    if (e.hash !== r.hash && wins) {
      plan.updateRels.push({ ...r, domains, versions });
      relChange('modified', r);
    } else if (!sameSet(domains, e.domains) || !same(versions, e.versions)) {
      plan.setRelDomains.push({ key: r.key, from: r.from, domains, versions });
    }
  }
  const deleted = new Set(plan.deleteNodes);
  // Derived relationships have no STIX id: their key is built from their endpoints.
  const replaced = (e: ExistingRel) => !merge || (incomingIds.has(e.from) && e.key.includes('|'));
  for (const e of rels) {
    if (!e.domains.includes(d) || incomingKeys.has(e.key) || !replaced(e)) continue;
    const domains = e.domains.filter((x) => x !== d);
    relChange('removed', e);
    // A relationship at a deleted node goes with it (DETACH DELETE).
    if (deleted.has(e.from) || deleted.has(e.to)) continue;
    if (domains.length)
      plan.setRelDomains.push({ key: e.key, from: e.from, domains, versions: without(e, d) });
    else plan.deleteRels.push({ key: e.key, from: e.from });
  }
  return plan;
}

/** Counts per label and relationship type of one domain's rows: what an import run records. */
export function countRows(rows: GraphRows): {
  nodes: Partial<Record<NodeType, number>>;
  rels: Partial<Record<RelType, number>>;
} {
  const nodes: Partial<Record<NodeType, number>> = {};
  const rels: Partial<Record<RelType, number>> = {};
  for (const n of rows.nodes) nodes[n.type] = (nodes[n.type] ?? 0) + 1;
  for (const r of rows.rels) rels[r.type] = (rels[r.type] ?? 0) + 1;
  return { nodes, rels };
}
