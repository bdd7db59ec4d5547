/**
 * The importer's pure stages run without a database: a bundle read from disk, validated and
 * transformed, and load plans applied to an in-memory stand-in for the graph, so unit tests can
 * check what an import would write.
 */
import { readFileSync } from 'node:fs';
import { type ExistingNode, type ExistingRel, type Plan, planLoad } from '../../import/diff.ts';
import { placeNodes } from '../../import/ordinals.ts';
import type { Props, RelRow } from '../../import/rows.ts';
import { detectDomain } from '../../import/rows.ts';
import { type GraphRows, transform } from '../../import/transform.ts';
import { type Validated, validateObjects } from '../../import/validate.ts';

export interface Staged {
  raw: Record<string, unknown>[];
  validated: Validated;
  rows: GraphRows;
}

/** read -> validate -> transform, as importSource runs them for a whole bundle. */
export function stageBundle(file: string): Staged {
  const raw = (JSON.parse(readFileSync(file, 'utf8')) as { objects: Record<string, unknown>[] }).objects;
  const validated = validateObjects(raw);
  const domain = detectDomain(raw);
  if (!domain) throw new Error(`${file}: no ATT&CK domain`);
  return { raw, validated, rows: transform(validated.objects, domain) };
}

/** The graph as the load reads it back: what planLoad compares a bundle with. */
export interface MemoryGraph {
  nodes: Map<string, ExistingNode>;
  rels: Map<string, ExistingRel>;
}

export const emptyGraph = (): MemoryGraph => ({ nodes: new Map(), rels: new Map() });

const nodeFrom = (props: Props, hash: string, domains: string[], versions: string[]): ExistingNode => ({
  stixId: String(props.stixId),
  hash,
  domains,
  modified: String(props.modified),
  attackId: (props.attackId as string | null) ?? null,
  name: String(props.name),
  stixType: String(props.stixType),
  version: (props.version as string | null) ?? null,
  revoked: Boolean(props.revoked),
  deprecated: Boolean(props.deprecated),
  versions,
  ordinal: null,
});

const relFrom = (row: RelRow, domains: string[], versions: string[]): ExistingRel => ({
  key: row.key,
  type: row.type,
  hash: row.hash,
  domains,
  modified: (row.props.modified as string | undefined) ?? null,
  from: row.from,
  to: row.to,
  versions,
});

/**
 * Does to the in-memory graph what loadRows' writes do to Neo4j, in the same order: relationship
 * deletes, nodes (each in its place: placeNodes), relationships, then node deletes (DETACH DELETE
 * takes their relationships along).
 */
export function applyPlan(graph: MemoryGraph, plan: Plan, domain: string): MemoryGraph {
  const { ordinals } = placeNodes([...graph.nodes.values()], plan);
  const nodes = new Map(graph.nodes);
  const rels = new Map(graph.rels);
  const relAt = (key: string, from: string) => {
    const r = rels.get(key);
    return r && r.from === from ? r : undefined;
  };
  for (const r of plan.deleteRels) if (relAt(r.key, r.from)) rels.delete(r.key);
  for (const n of plan.createNodes) nodes.set(n.stixId, nodeFrom(n.props, n.hash, [domain], n.versions));
  for (const n of plan.updateNodes) nodes.set(n.stixId, nodeFrom(n.props, n.hash, n.domains, n.versions));
  for (const n of plan.setDomains) {
    const old = nodes.get(n.stixId);
    if (old) nodes.set(n.stixId, { ...old, domains: n.domains, versions: n.versions });
  }
  for (const r of [...plan.createRels, ...plan.updateRels])
    rels.set(r.key, relFrom(r, r.domains, r.versions));
  for (const r of plan.setRelDomains) {
    const old = relAt(r.key, r.from);
    if (old) rels.set(r.key, { ...old, domains: r.domains, versions: r.versions });
  }
  const deleted = new Set(plan.deleteNodes);
  for (const id of deleted) nodes.delete(id);
  for (const [id, n] of nodes) nodes.set(id, { ...n, ordinal: ordinals.get(id) ?? null });
  for (const [key, r] of rels) if (deleted.has(r.from) || deleted.has(r.to)) rels.delete(key);
  return { nodes, rels };
}

/** Plans one bundle's rows against the graph and applies the plan. */
export function importInMemory(graph: MemoryGraph, rows: GraphRows, options: { merge?: boolean } = {}) {
  const plan = planLoad(rows, [...graph.nodes.values()], [...graph.rels.values()], options);
  return { plan, graph: applyPlan(graph, plan, rows.domain) };
}
