import { createHash } from 'node:crypto';
import { ATTACK_SOURCE_NAMES, DOMAINS, type Domain, type NodeType, type RelType } from '../src/model.ts';
import type { ExternalReference, Relationship, StixObject } from './validate.ts';

/*
 * The rows the load step writes: one per node and relationship, with the properties it stores and a
 * hash of them, so that the diff can tell a changed object from an unchanged one.
 */

export type PropValue = string | number | boolean | string[] | null;
export type Props = Record<string, PropValue>;

export interface NodeWriteRow {
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

const hashOf = (props: Props) => createHash('sha1').update(JSON.stringify(props)).digest('base64url');

export function attackRef(refs: ExternalReference[]): ExternalReference | undefined {
  return refs.find((r) => ATTACK_SOURCE_NAMES.has(r.source_name) && r.external_id);
}

/** The references shown as citations: everything but the ATT&CK ID itself. */
export function citations(refs: ExternalReference[]): string | null {
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

export function nodeRow(o: Exclude<StixObject, Relationship>): NodeWriteRow {
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

export function relRow(key: string, type: RelType, from: string, to: string, props: Props): RelRow {
  const all = { key, ...props };
  return { key, type, from, to, props: all, hash: hashOf(all) };
}

/** The row of one STIX relationship object: the one place its stored properties are chosen. */
export function stixRelRow(o: Relationship, type: RelType): RelRow {
  return relRow(o.id, type, o.source_ref, o.target_ref, {
    stixId: o.id,
    description: o.description?.trim() || null,
    referencesJson: citations(o.external_references),
    created: o.created,
    modified: o.modified,
    revoked: o.revoked ?? false,
    deprecated: o.x_mitre_deprecated ?? false,
  });
}
