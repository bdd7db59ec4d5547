import { type ObjectChange, type RelationshipChange, versionChangeOf } from '../src/change-log.ts';
import type { NodeType, RelType } from '../src/model.ts';
import type { NodeWriteRow, Props, RelRow } from './rows.ts';
import type { GraphRows } from './transform.ts';
import { holds, kept, settle, withDomain, without } from './versions.ts';

/** What the graph holds now for one node or relationship, as read at the start of the load. */
export interface ExistingNode {
  stixId: string;
  hash: string;
  domains: string[];
  modified: string | null;
  attackId: string | null;
  name: string;
  stixType: string;
  version: string | null;
  revoked: boolean;
  deprecated: boolean;
  versions: string[];
  /** Its place in the release's stable order (import/ordinals.ts); null on a graph from before. */
  ordinal: number | null;
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

/** The writes of one import. Each `versions` is what the node or relationship stores (`kept`, versions.ts). */
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

/** The plan of an import that writes nothing. */
export const emptyPlan = (): Plan => ({
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
});

export const planSize = (p: Plan) =>
  p.createNodes.length +
  p.updateNodes.length +
  p.setDomains.length +
  p.deleteNodes.length +
  p.createRels.length +
  p.updateRels.length +
  p.setRelDomains.length +
  p.deleteRels.length;

/**
 * Pure: the writes that turn the graph into "this bundle is the domain's whole truth", leaving other
 * domains alone. An object shared with other domains keeps the newest version of itself (see
 * versions.ts). With `merge` (an incremental pull) the bundle holds only what changed: nothing else
 * is removed, but each object it carries replaces its derived links (tactics, parents, analytics...).
 */
export function planLoad(
  rows: GraphRows,
  nodes: ExistingNode[],
  rels: ExistingRel[],
  { merge = false }: { merge?: boolean } = {},
): Plan {
  const nodePlan = planNodes(rows, nodes, merge);
  const { createNodes, updateNodes, setDomains, deleteNodes, changes } = nodePlan;
  const relPlan = planRels(rows, rels, nodePlan, merge);
  return { createNodes, updateNodes, setDomains, deleteNodes, ...relPlan, changes };
}

type NodePlan = Pick<Plan, 'createNodes' | 'updateNodes' | 'setDomains' | 'deleteNodes' | 'changes'> & {
  /** How changes name an object: its ATT&CK ID, else its name or STIX id. */
  label: (stixId: string) => string;
  incomingIds: Set<string>;
};
type RelPlan = Pick<
  Plan,
  'createRels' | 'updateRels' | 'setRelDomains' | 'deleteRels' | 'relationshipChanges'
>;

/** The node writes: new objects, changed ones, domain membership, and objects the domain dropped. */
function planNodes(rows: GraphRows, nodes: ExistingNode[], merge: boolean): NodePlan {
  const d = rows.domain;
  const existingNodes = new Map(nodes.map((n) => [n.stixId, n]));
  const incomingIds = new Set(rows.nodes.map((n) => n.stixId));
  const names = new Map<string, string>();
  const plan: NodePlan = {
    createNodes: [],
    updateNodes: [],
    setDomains: [],
    deleteNodes: [],
    changes: [],
    label: (stixId) => names.get(stixId) ?? existingNodes.get(stixId)?.attackId ?? stixId,
    incomingIds,
  };
  for (const n of rows.nodes) {
    names.set(n.stixId, n.attackId ?? n.name);
    const e = existingNodes.get(n.stixId);
    const base = { stixId: n.stixId, attackId: n.attackId, name: n.name, stixType: n.type as string };
    const modified = String(n.props.modified);
    if (!e) {
      // Its one version is the content it holds: nothing to store (kept, versions.ts).
      plan.createNodes.push({ ...n, versions: [] });
      plan.changes.push({ change: 'added', ...base });
      continue;
    }
    const domains = withDomain(e.domains, d);
    const { versions, wins } = settle(e, d, modified, n.hash);
    if (!e.domains.includes(d)) plan.changes.push({ change: 'added', ...base });
    if (e.hash !== n.hash && wins) {
      const stored = kept(versions, { modified, hash: n.hash });
      plan.updateNodes.push({ stixId: n.stixId, props: n.props, hash: n.hash, domains, versions: stored });
      if (e.domains.includes(d)) plan.changes.push(nodeChange(e, n.props, base));
    } else if (!holds(e, domains, versions)) {
      plan.setDomains.push({ stixId: n.stixId, domains, versions: kept(versions, e) });
    }
  }
  for (const e of nodes) {
    if (merge || !e.domains.includes(d) || incomingIds.has(e.stixId)) continue;
    const domains = e.domains.filter((x) => x !== d);
    if (domains.length) plan.setDomains.push({ stixId: e.stixId, domains, versions: kept(without(e, d), e) });
    else plan.deleteNodes.push(e.stixId);
    const { stixId, attackId, name, stixType } = e;
    plan.changes.push({ change: 'removed', stixId, attackId, name, stixType });
  }
  return plan;
}

/** How a changed object of the domain changed: revoked, deprecated, or modified (and how far). */
function nodeChange(e: ExistingNode, props: Props, base: Omit<ObjectChange, 'change'>): ObjectChange {
  const toVersion = (props.version as string | null) ?? null;
  if (props.revoked && !e.revoked) return { change: 'revoked', ...base };
  if (props.deprecated && !e.deprecated) return { change: 'deprecated', ...base };
  return {
    change: 'modified',
    ...base,
    versionChange: versionChangeOf(e.version, toVersion),
    fromVersion: e.version,
    toVersion,
  };
}

/** The relationship writes, after the nodes: what the node plan deletes takes its relationships along. */
function planRels(rows: GraphRows, rels: ExistingRel[], nodePlan: NodePlan, merge: boolean): RelPlan {
  const d = rows.domain;
  const plan: RelPlan = {
    createRels: [],
    updateRels: [],
    setRelDomains: [],
    deleteRels: [],
    relationshipChanges: [],
  };
  const { label, incomingIds } = nodePlan;
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
      // Written anew, it holds this domain's content, whose version it need not store.
      const versions = e ? kept(settle(e, d, modified, r.hash).versions, { modified, hash: r.hash }) : [];
      plan.createRels.push({ ...r, domains: e ? withDomain(e.domains, d) : [d], versions });
      relChange('added', r);
      continue;
    }
    const domains = withDomain(e.domains, d);
    const { versions, wins } = settle(e, d, modified, r.hash);
    if (e.hash !== r.hash && wins) {
      plan.updateRels.push({ ...r, domains, versions: kept(versions, { modified, hash: r.hash }) });
      relChange('modified', r);
    } else if (!holds(e, domains, versions)) {
      plan.setRelDomains.push({ key: r.key, from: r.from, domains, versions: kept(versions, e) });
    }
  }
  const deleted = new Set(nodePlan.deleteNodes);
  // Derived relationships have no STIX id: their key is built from their endpoints.
  const replaced = (e: ExistingRel) => !merge || (incomingIds.has(e.from) && e.key.includes('|'));
  for (const e of rels) {
    if (!e.domains.includes(d) || incomingKeys.has(e.key) || !replaced(e)) continue;
    const domains = e.domains.filter((x) => x !== d);
    relChange('removed', e);
    // A relationship at a deleted node goes with it (DETACH DELETE).
    if (deleted.has(e.from) || deleted.has(e.to)) continue;
    if (domains.length)
      plan.setRelDomains.push({ key: e.key, from: e.from, domains, versions: kept(without(e, d), e) });
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
