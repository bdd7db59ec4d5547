import { createHash } from 'node:crypto';
import {
  ATTACK_SOURCE_NAMES,
  DOMAINS,
  type Domain,
  type NodeType,
  type RelType,
  STIX_RELATIONSHIPS,
} from './model.ts';
import {
  type ExternalReference,
  expectation,
  type Problem,
  type Relationship,
  type StixObject,
} from './validate.ts';

export type PropValue = string | number | boolean | string[] | null;
export type Props = Record<string, PropValue>;

export interface NodeRow {
  stixId: string;
  type: NodeType;
  attackId: string | null;
  name: string;
  props: Props;
  hash: string;
}

export interface RelRow {
  /** The STIX relationship id, or a key derived from the endpoints for relationships the data implies. */
  key: string;
  type: RelType;
  from: string;
  to: string;
  props: Props;
  hash: string;
}

export interface GraphRows {
  domain: Domain;
  nodes: NodeRow[];
  rels: RelRow[];
  /** Objects and references that break the model: fatal in strict mode. */
  problems: Problem[];
  /** What the data lacks but the importer could work around, such as a derived parent technique. */
  notes: string[];
  unknownRelationshipTypes: Record<string, number>;
}

const KILL_CHAINS: Record<Domain, string> = {
  'enterprise-attack': 'mitre-attack',
  'mobile-attack': 'mitre-mobile-attack',
  'ics-attack': 'mitre-ics-attack',
};

const hashOf = (props: Props) => createHash('sha1').update(JSON.stringify(props)).digest('base64url');

function attackRef(refs: ExternalReference[]): ExternalReference | undefined {
  return refs.find((r) => ATTACK_SOURCE_NAMES.has(r.source_name) && r.external_id);
}

/** The references shown as citations: everything but the ATT&CK ID itself. */
function citations(refs: ExternalReference[]): string | null {
  const rest = refs.filter((r) => !(ATTACK_SOURCE_NAMES.has(r.source_name) && r.external_id));
  return rest.length ? JSON.stringify(rest) : null;
}

/**
 * Finds the bundle's domain: its matrix says it; failing that, the domain most objects claim. Reads
 * the raw objects, so that a bundle whose every object is invalid still gets a useful report.
 */
export function detectDomain(objects: unknown[]): Domain | null {
  const isDomain = (d: unknown): d is Domain => (DOMAINS as readonly unknown[]).includes(d);
  const votes = new Map<Domain, number>();
  for (const raw of objects) {
    const o = (raw ?? {}) as { type?: unknown; external_references?: unknown; x_mitre_domains?: unknown };
    if (o.type === 'x-mitre-matrix' && Array.isArray(o.external_references)) {
      const id = o.external_references.find((r) => isDomain(r?.external_id))?.external_id;
      if (id) return id;
    }
    if (o.type === 'relationship' || !Array.isArray(o.x_mitre_domains)) continue;
    for (const d of o.x_mitre_domains) if (isDomain(d)) votes.set(d, (votes.get(d) ?? 0) + 1);
  }
  return [...votes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

const list = (v: string[] | undefined) => (v?.length ? v : null);
const json = (v: unknown) =>
  v === undefined || (Array.isArray(v) && v.length === 0) ? null : JSON.stringify(v);

function typeProps(o: Exclude<StixObject, Relationship>): Props {
  switch (o.type) {
    case 'x-mitre-tactic':
      return { shortname: o.x_mitre_shortname };
    case 'attack-pattern':
      return {
        isSubtechnique:
          o.x_mitre_is_subtechnique ?? /\.\d+$/.test(attackRef(o.external_references)?.external_id ?? ''),
        detection: o.x_mitre_detection || null,
        dataSources: list(o.x_mitre_data_sources),
        permissionsRequired: list(o.x_mitre_permissions_required),
        effectivePermissions: list(o.x_mitre_effective_permissions),
        defenseBypassed: list(o.x_mitre_defense_bypassed),
        systemRequirements: list(o.x_mitre_system_requirements),
        remoteSupport: o.x_mitre_remote_support ?? null,
        impactType: list(o.x_mitre_impact_type),
        tacticType: list(o.x_mitre_tactic_type),
      };
    case 'malware':
    case 'tool':
      return { labels: list(o.labels) };
    case 'campaign':
      return {
        firstSeen: o.first_seen ?? null,
        lastSeen: o.last_seen ?? null,
        firstSeenCitation: o.x_mitre_first_seen_citation ?? null,
        lastSeenCitation: o.x_mitre_last_seen_citation ?? null,
      };
    case 'x-mitre-data-source':
      return { collectionLayers: list(o.x_mitre_collection_layers) };
    case 'x-mitre-data-component':
      return { logSourcesJson: json(o.x_mitre_log_sources) };
    case 'x-mitre-analytic':
      return { mutableElementsJson: json(o.x_mitre_mutable_elements) };
    case 'x-mitre-asset':
      return { sectors: list(o.x_mitre_sectors), relatedAssetsJson: json(o.x_mitre_related_assets) };
    default:
      return {};
  }
}

function aliasesOf(o: Exclude<StixObject, Relationship>): string[] | null {
  if (o.type === 'intrusion-set' || o.type === 'campaign') return list(o.aliases);
  if (o.type === 'malware' || o.type === 'tool') return list(o.x_mitre_aliases);
  return null;
}

function nodeRow(o: Exclude<StixObject, Relationship>): NodeRow {
  const ref = attackRef(o.external_references);
  const props: Props = {
    stixId: o.id,
    stixType: o.type,
    attackId: ref?.external_id ?? null,
    name: o.name,
    description: o.description || null,
    url: ref?.url ?? null,
    platforms: list(o.x_mitre_platforms),
    aliases: aliasesOf(o),
    version: o.x_mitre_version ?? null,
    created: o.created,
    modified: o.modified,
    revoked: o.revoked ?? false,
    deprecated: o.x_mitre_deprecated ?? false,
    contributors: list(o.x_mitre_contributors),
    referencesJson: citations(o.external_references),
    ...typeProps(o),
  };
  return {
    stixId: o.id,
    type: o.type,
    attackId: ref?.external_id ?? null,
    name: o.name,
    props,
    hash: hashOf(props),
  };
}

function relRow(key: string, type: RelType, from: string, to: string, props: Props): RelRow {
  const all = { key, ...props };
  return { key, type, from, to, props: all, hash: hashOf(all) };
}

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
  const nodes: NodeRow[] = [];
  const rels = new Map<string, RelRow>();
  const nodeById = new Map<string, NodeRow>();
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
      add(
        relRow(o.id, spec.type, o.source_ref, o.target_ref, {
          stixId: o.id,
          description: o.description?.trim() || null,
          referencesJson: citations(o.external_references),
          created: o.created,
          modified: o.modified,
          revoked: o.revoked ?? false,
          deprecated: o.x_mitre_deprecated ?? false,
        }),
      );
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

  return { domain, nodes, rels: [...rels.values()], problems, notes, unknownRelationshipTypes };
}
