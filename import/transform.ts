import { type Domain, type RelType, STIX_RELATIONSHIPS } from '../src/model.ts';
import { cycleEdges } from './checks.ts';
import { type NodeWriteRow, nodeRow, type RelRow, relRow, stixRelRow } from './rows.ts';
import { expectation, type Problem, type StixObject } from './validate.ts';

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

const KILL_CHAINS: Record<Domain, string> = {
  'enterprise-attack': 'mitre-attack',
  'mobile-attack': 'mitre-mobile-attack',
  'ics-attack': 'mitre-ics-attack',
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

/**
 * Pure: validated STIX objects of one bundle -> the node and relationship rows of its domain.
 * `known` lists the domain's objects already in the graph, for an incremental pull whose objects
 * refer to objects it does not carry; a whole bundle needs none.
 */
export function transform(objects: StixObject[], domain: Domain, known: KnownObject[] = []): GraphRows {
  const byId = new Map(objects.map((o) => [o.id, o]));
  const knownById = new Map(known.filter((k) => !byId.has(k.stixId)).map((k) => [k.stixId, k]));
  const problems: Problem[] = [];
  const notes: string[] = [];
  const unknownRelationshipTypes: Record<string, number> = {};
  const nodes: NodeWriteRow[] = [];
  const rels = new Map<string, RelRow>();
  const nodeById = new Map<string, NodeWriteRow>();
  const add = (r: RelRow) => rels.set(r.key, r);

  const problem = (o: { id: string }, path: string, expected: string) => {
    const node = nodeById.get(o.id);
    problems.push({
      stixId: o.id,
      attackId: node?.attackId ?? null,
      type: o.id.split('--')[0] ?? null,
      path,
      expected: expectation(expected),
    });
  };
  /** Checks a reference from `o.path` to an object of one of `types` in this bundle. */
  const refOk = (o: { id: string }, path: string, ref: string, types: readonly string[]) => {
    const type = byId.get(ref)?.type ?? knownById.get(ref)?.stixType;
    if (!type) problem(o, path, `a reference to a valid object in the bundle (${ref} is missing or invalid)`);
    else if (!types.includes(type))
      problem(o, path, `a reference to ${types.join(' or ')} (${ref} is ${type})`);
    else return true;
    return false;
  };

  for (const o of objects) {
    if (o.type === 'relationship') continue;
    const row = nodeRow(o);
    nodes.push(row);
    nodeById.set(o.id, row);
  }

  type Candidate = { id: string; attackId: string | null; revoked: boolean; deprecated: boolean };
  const push = (map: Map<string, Candidate[]>, key: string, c: Candidate) => {
    const list = map.get(key);
    if (list) list.push(c);
    else map.set(key, [c]);
  };
  const tacticsByShortname = new Map<string, Candidate[]>();
  const techniquesByAttackId = new Map<string, Candidate[]>();
  for (const n of nodes) {
    const c = {
      id: n.stixId,
      attackId: n.attackId,
      revoked: !!n.props.revoked,
      deprecated: !!n.props.deprecated,
    };
    if (n.type === 'x-mitre-tactic') push(tacticsByShortname, String(n.props.shortname), c);
    if (n.type === 'attack-pattern' && n.attackId) push(techniquesByAttackId, n.attackId, c);
  }
  const hasParent = new Set<string>();
  for (const k of knownById.values()) {
    const c = { id: k.stixId, attackId: k.attackId, revoked: k.revoked, deprecated: k.deprecated };
    if (k.stixType === 'x-mitre-tactic' && k.shortname) push(tacticsByShortname, k.shortname, c);
    if (k.stixType === 'attack-pattern' && k.attackId) push(techniquesByAttackId, k.attackId, c);
  }
  for (const k of known) if (k.hasParent) hasParent.add(k.stixId);
  const active = (c: Candidate) => !c.revoked && !c.deprecated;

  for (const o of objects) {
    if (o.type === 'relationship') {
      const spec = STIX_RELATIONSHIPS[o.relationship_type];
      if (!spec) {
        unknownRelationshipTypes[o.relationship_type] =
          (unknownRelationshipTypes[o.relationship_type] ?? 0) + 1;
        continue;
      }
      const okFrom = refOk(o, 'source_ref', o.source_ref, spec.from);
      const okTo = refOk(o, 'target_ref', o.target_ref, spec.to);
      if (!okFrom || !okTo) continue;
      if (spec.type === 'SUBTECHNIQUE_OF') hasParent.add(o.source_ref);
      add(stixRelRow(o, spec.type));
      continue;
    }
    switch (o.type) {
      case 'attack-pattern':
        o.kill_chain_phases.forEach((phase, i) => {
          if (phase.kill_chain_name !== KILL_CHAINS[domain]) return;
          const candidates = tacticsByShortname.get(phase.phase_name) ?? [];
          const tactics = candidates.some(active) ? candidates.filter(active) : candidates;
          if (!tactics.length)
            problem(o, `kill_chain_phases[${i}].phase_name`, `a tactic shortname of ${domain}`);
          for (const t of tactics) add(relRow(`${o.id}|IN_TACTIC|${t.id}`, 'IN_TACTIC', o.id, t.id, {}));
        });
        break;
      case 'x-mitre-matrix':
        o.tactic_refs.forEach((ref, order) => {
          if (refOk(o, `tactic_refs[${order}]`, ref, ['x-mitre-tactic']))
            add(relRow(`${o.id}|HAS_TACTIC|${ref}`, 'HAS_TACTIC', o.id, ref, { order }));
        });
        break;
      case 'x-mitre-detection-strategy':
        o.x_mitre_analytic_refs.forEach((ref, i) => {
          if (refOk(o, `x_mitre_analytic_refs[${i}]`, ref, ['x-mitre-analytic']))
            add(relRow(`${o.id}|HAS_ANALYTIC|${ref}`, 'HAS_ANALYTIC', o.id, ref, {}));
        });
        break;
      case 'x-mitre-analytic':
        o.x_mitre_log_source_references.forEach((ls, i) => {
          const ref = ls.x_mitre_data_component_ref;
          if (
            refOk(o, `x_mitre_log_source_references[${i}].x_mitre_data_component_ref`, ref, [
              'x-mitre-data-component',
            ])
          )
            add(
              relRow(`${o.id}|LOGS_FROM|${ref}|${ls.name}|${ls.channel}`, 'LOGS_FROM', o.id, ref, {
                name: ls.name,
                channel: ls.channel,
              }),
            );
        });
        break;
      case 'x-mitre-data-component':
        if (
          o.x_mitre_data_source_ref &&
          refOk(o, 'x_mitre_data_source_ref', o.x_mitre_data_source_ref, ['x-mitre-data-source'])
        )
          add(
            relRow(
              `${o.id}|PART_OF|${o.x_mitre_data_source_ref}`,
              'PART_OF',
              o.id,
              o.x_mitre_data_source_ref,
              {},
            ),
          );
        break;
    }
  }

  // Some sub-techniques lack their subtechnique-of relationship (T1053.001 and T1547.011 in 18.1):
  // the parent is the technique whose ATT&CK ID is the sub-technique's without its suffix.
  for (const n of nodes) {
    if (n.type !== 'attack-pattern' || !n.props.isSubtechnique || hasParent.has(n.stixId)) continue;
    const parentId = n.attackId?.split('.')[0];
    const candidates = (parentId && techniquesByAttackId.get(parentId)) || [];
    const parent = candidates.find(active) ?? candidates[0];
    if (!parent) {
      notes.push(
        `${n.attackId ?? n.stixId} (${n.stixId}) is a sub-technique whose parent ${parentId} is not in the bundle`,
      );
      continue;
    }
    notes.push(
      `${n.attackId} has no subtechnique-of relationship; parent ${parent.attackId} derived from its ATT&CK ID`,
    );
    add(
      relRow(`${n.stixId}|SUBTECHNIQUE_OF|${parent.id}`, 'SUBTECHNIQUE_OF', n.stixId, parent.id, {
        derived: true,
      }),
    );
  }

  // A revoked-by or subtechnique-of cycle has no end to follow: each relationship on one is refused.
  const label = (id: string) => nodeById.get(id)?.attackId ?? id;
  for (const r of cycleEdges([...rels.values()].filter((x) => CYCLE_TEXT[x.type]))) {
    rels.delete(r.key);
    const text = CYCLE_TEXT[r.type] as { self: string; cycle: string };
    const expected =
      r.from === r.to
        ? `${text.self} (${label(r.from)})`
        : `${text.cycle} (${label(r.from)} -> ${label(r.to)})`;
    // A derived parent link has no relationship object: the sub-technique's ATT&CK ID implied it.
    if (r.key.includes('|')) problem({ id: r.from }, 'external_references', expected);
    else problem({ id: r.key }, 'target_ref', expected);
  }

  return { domain, nodes, rels: [...rels.values()], problems, notes, unknownRelationshipTypes };
}
