import { type Domain, KILL_CHAINS, type RelType, STIX_RELATIONSHIPS } from '../src/model.ts';
import { cycleEdges } from './checks.ts';
import { type NodeWriteRow, nodeRow, type RelRow, relRow, stixRelRow } from './rows.ts';
import { active, add, type Context, createContext, problem, refOk } from './transform-context.ts';
import type { Problem, Relationship, StixObject } from './validate.ts';

export interface GraphRows {
  domain: Domain;
  nodes: NodeWriteRow[];
  rels: RelRow[];
  /** Objects and references that break the model: fatal in strict mode. */
  problems: Problem[];
  /** What the data lacks but the importer could work around, such as a derived parent technique. */
  notes: string[];
  unknownRelationshipTypes: Record<string, number>;
}

const CYCLE_TEXT: Partial<Record<RelType, { self: string; cycle: string }>> = {
  REVOKED_BY: {
    self: 'a revoking object other than the revoked one: this object revokes itself',
    cycle: 'revoked-by links that end at an object: this one is on a revoked-by cycle',
  },
  SUBTECHNIQUE_OF: {
    self: 'a parent other than the technique itself: this technique is its own parent',
    cycle: 'a parent that is not its own sub-technique: this link is on a subtechnique-of cycle',
  },
};

/** An object already in the graph, as an incremental import needs to resolve references to it. */
export interface KnownObject {
  stixId: string;
  stixType: string;
  attackId: string | null;
  shortname: string | null;
  revoked: boolean;
  deprecated: boolean;
  hasParent: boolean;
}

type Node = Exclude<StixObject, Relationship>;

/**
 * Pure: validated STIX objects of one bundle -> the node and relationship rows of its domain.
 * `known` lists the domain's objects already in the graph, for an incremental pull whose objects
 * refer to objects it does not carry; a whole bundle needs none.
 */
export function transform(objects: StixObject[], domain: Domain, known: KnownObject[] = []): GraphRows {
  const nodes = nodeRows(objects);
  const ctx = createContext(objects, nodes, domain, known);
  // One pass in bundle order, so rows and problems come out in the order the bundle has them.
  for (const o of objects) {
    if (o.type === 'relationship') stixRelationshipRow(ctx, o);
    else embeddedReferenceRows(ctx, o);
  }
  derivedParentRows(ctx, nodes);
  refuseCycles(ctx);
  const { problems, notes, unknownRelationshipTypes } = ctx;
  return { domain, nodes, rels: [...ctx.rels.values()], problems, notes, unknownRelationshipTypes };
}

/** Stage 1: a node row for every object that is not a relationship. */
function nodeRows(objects: StixObject[]): NodeWriteRow[] {
  const nodes: NodeWriteRow[] = [];
  for (const o of objects) if (o.type !== 'relationship') nodes.push(nodeRow(o));
  return nodes;
}

/** Stage 2: a STIX relationship object becomes a relationship row, once both its ends check out. */
function stixRelationshipRow(ctx: Context, o: Relationship) {
  const spec = STIX_RELATIONSHIPS[o.relationship_type];
  if (!spec) {
    ctx.unknownRelationshipTypes[o.relationship_type] =
      (ctx.unknownRelationshipTypes[o.relationship_type] ?? 0) + 1;
    return;
  }
  const okFrom = refOk(ctx, o, 'source_ref', o.source_ref, spec.from);
  const okTo = refOk(ctx, o, 'target_ref', o.target_ref, spec.to);
  if (!okFrom || !okTo) return;
  if (spec.type === 'SUBTECHNIQUE_OF') ctx.hasParent.add(o.source_ref);
  add(ctx, stixRelRow(o, spec.type));
}

/**
 * Stage 3: references held inside an object (kill chain phases, a matrix's tactics, analytics, log
 * sources, a data source) become relationship rows keyed by their endpoints.
 */
function embeddedReferenceRows(ctx: Context, o: Node) {
  const link = (type: RelType, to: string, props = {}, suffix = '') =>
    add(ctx, relRow(`${o.id}|${type}|${to}${suffix}`, type, o.id, to, props));
  switch (o.type) {
    case 'attack-pattern':
      o.kill_chain_phases.forEach((phase, i) => {
        if (phase.kill_chain_name !== KILL_CHAINS[ctx.domain]) return;
        const candidates = ctx.tacticsByShortname.get(phase.phase_name) ?? [];
        const tactics = candidates.some(active) ? candidates.filter(active) : candidates;
        if (!tactics.length)
          problem(ctx, o, `kill_chain_phases[${i}].phase_name`, `a tactic shortname of ${ctx.domain}`);
        for (const t of tactics) link('IN_TACTIC', t.id);
      });
      break;
    case 'x-mitre-matrix':
      o.tactic_refs.forEach((ref, order) => {
        if (refOk(ctx, o, `tactic_refs[${order}]`, ref, ['x-mitre-tactic']))
          link('HAS_TACTIC', ref, { order });
      });
      break;
    case 'x-mitre-detection-strategy':
      o.x_mitre_analytic_refs.forEach((ref, i) => {
        if (refOk(ctx, o, `x_mitre_analytic_refs[${i}]`, ref, ['x-mitre-analytic']))
          link('HAS_ANALYTIC', ref);
      });
      break;
    case 'x-mitre-analytic':
      o.x_mitre_log_source_references.forEach((ls, i) => {
        const ref = ls.x_mitre_data_component_ref;
        const path = `x_mitre_log_source_references[${i}].x_mitre_data_component_ref`;
        if (refOk(ctx, o, path, ref, ['x-mitre-data-component']))
          link('LOGS_FROM', ref, { name: ls.name, channel: ls.channel }, `|${ls.name}|${ls.channel}`);
      });
      break;
    case 'x-mitre-data-component': {
      const ref = o.x_mitre_data_source_ref;
      if (ref && refOk(ctx, o, 'x_mitre_data_source_ref', ref, ['x-mitre-data-source'])) link('PART_OF', ref);
      break;
    }
  }
}

/**
 * Stage 4: some sub-techniques lack their subtechnique-of relationship (T1053.001 and T1547.011 in
 * 18.1): the parent is the technique whose ATT&CK ID is the sub-technique's without its suffix.
 */
function derivedParentRows(ctx: Context, nodes: NodeWriteRow[]) {
  for (const n of nodes) {
    if (n.type !== 'attack-pattern' || !n.props.isSubtechnique || ctx.hasParent.has(n.stixId)) continue;
    const parentId = n.attackId?.split('.')[0];
    const candidates = (parentId && ctx.techniquesByAttackId.get(parentId)) || [];
    const parent = candidates.find(active) ?? candidates[0];
    if (!parent) {
      ctx.notes.push(
        `${n.attackId ?? n.stixId} (${n.stixId}) is a sub-technique whose parent ${parentId} is not in the bundle`,
      );
      continue;
    }
    ctx.notes.push(
      `${n.attackId} has no subtechnique-of relationship; parent ${parent.attackId} derived from its ATT&CK ID`,
    );
    add(
      ctx,
      relRow(`${n.stixId}|SUBTECHNIQUE_OF|${parent.id}`, 'SUBTECHNIQUE_OF', n.stixId, parent.id, {
        derived: true,
      }),
    );
  }
}

/** Stage 5: a revoked-by or subtechnique-of cycle has no end to follow: each relationship on one is refused. */
function refuseCycles(ctx: Context) {
  const label = (id: string) => ctx.nodeById.get(id)?.attackId ?? id;
  for (const r of cycleEdges([...ctx.rels.values()].filter((x) => CYCLE_TEXT[x.type]))) {
    ctx.rels.delete(r.key);
    const text = CYCLE_TEXT[r.type] as { self: string; cycle: string };
    const expected =
      r.from === r.to
        ? `${text.self} (${label(r.from)})`
        : `${text.cycle} (${label(r.from)} -> ${label(r.to)})`;
    // A derived parent link has no relationship object: the sub-technique's ATT&CK ID implied it.
    if (r.key.includes('|')) problem(ctx, { id: r.from }, 'external_references', expected);
    else problem(ctx, { id: r.key }, 'target_ref', expected);
  }
}
