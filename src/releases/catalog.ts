import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  ATTACK_SOURCE_NAMES,
  DOMAINS,
  type Domain,
  IGNORED_TYPES,
  KILL_CHAINS,
  type RelType,
  STIX_RELATIONSHIPS,
} from '../model.ts';

/*
 * A release's catalog: the few facts of each object and relationship that a comparison or a
 * migration needs. A repository can read it from the graph; `catalogFromStix` builds it from a
 * bundle's objects (raw JSON, or the importer's validated objects, which fit `StixLike`).
 */

export interface CatalogObject {
  stixId: string;
  attackId: string | null;
  /** The STIX type, such as `attack-pattern`. */
  type: string;
  name: string;
  /** Tactic shortnames of this domain's kill chain (techniques); a tactic's own shortname (tactics). */
  tactics: string[];
  /** Group and software aliases, for narrowing a diff by name. */
  aliases: string[];
  revoked: boolean;
  deprecated: boolean;
  /** `x_mitre_version`. */
  version: string | null;
  modified: string;
  /**
   * A fingerprint of the object's whole content: MITRE changes some objects (data sources,
   * platforms, references) without a new `modified`. From the graph, the node's import `hash`.
   * Comparable only between catalogs built the same way (both from raw JSON, both from validated
   * objects, or both from the graph): otherwise every object would look modified.
   */
  content: string;
}

export interface CatalogRelationship {
  /** The STIX relationship id: the key the import runs' change sets use. */
  key: string;
  type: RelType;
  from: string;
  to: string;
  revoked: boolean;
  deprecated: boolean;
  modified: string;
  /** As `CatalogObject.content`. */
  content: string;
}

export interface Catalog {
  domain: Domain;
  /** The ATT&CK release, such as `18.1`. */
  release: string;
  objects: CatalogObject[];
  relationships: CatalogRelationship[];
}

/** The fields of a STIX object the catalog reads; the importer's validated objects have them. */
export interface StixLike {
  type: string;
  id: string;
  name?: string;
  modified?: string;
  revoked?: boolean;
  x_mitre_deprecated?: boolean;
  x_mitre_version?: string;
  x_mitre_shortname?: string;
  aliases?: string[];
  x_mitre_aliases?: string[];
  kill_chain_phases?: { kill_chain_name: string; phase_name: string }[];
  external_references?: { source_name: string; external_id?: string }[];
  relationship_type?: string;
  source_ref?: string;
  target_ref?: string;
}

/*
 * The fingerprint leaves out what says nothing about the object in this domain: fields that are
 * absent, false or empty (`revoked: false` and no `revoked` are one fact) and `x_mitre_domains` (a
 * group that joins ICS is unchanged in enterprise). Key order is the source's: the importer's
 * validated objects (zod's order) or a bundle's JSON, whose order MITRE keeps between releases.
 */
const blank = (v: unknown) =>
  v === undefined || v === null || v === false || v === '' || (Array.isArray(v) && !v.length);
const fingerprint = (o: object) => {
  const kept = Object.entries(o).filter(([k, v]) => k !== 'x_mitre_domains' && !blank(v));
  return createHash('sha1').update(JSON.stringify(kept)).digest('base64url');
};

const attackIdOf = (o: StixLike) =>
  o.external_references?.find((r) => ATTACK_SOURCE_NAMES.has(r.source_name) && r.external_id)?.external_id ??
  null;

function objectOf(o: StixLike, domain: Domain): CatalogObject {
  const tactics =
    o.type === 'x-mitre-tactic'
      ? [o.x_mitre_shortname ?? '']
      : (o.kill_chain_phases ?? [])
          .filter((p) => p.kill_chain_name === KILL_CHAINS[domain])
          .map((p) => p.phase_name);
  return {
    stixId: o.id,
    attackId: attackIdOf(o),
    type: o.type,
    name: o.name ?? '',
    tactics: [...new Set(tactics)].sort(),
    aliases: o.aliases ?? o.x_mitre_aliases ?? [],
    revoked: o.revoked ?? false,
    deprecated: o.x_mitre_deprecated ?? false,
    version: o.x_mitre_version ?? null,
    modified: o.modified ?? '',
    content: fingerprint(o),
  };
}

/**
 * Pure: one domain's bundle objects -> its catalog. Relationships of a type the model does not know,
 * or with an end outside the bundle, are left out, as the importer leaves them out.
 */
export function catalogFromStix(objects: readonly StixLike[], domain: Domain, release: string): Catalog {
  const nodes = objects.filter((o) => o.type !== 'relationship' && !IGNORED_TYPES.has(o.type));
  const ids = new Set(nodes.map((o) => o.id));
  const relationships: CatalogRelationship[] = [];
  for (const r of objects) {
    const spec = r.type === 'relationship' ? STIX_RELATIONSHIPS[r.relationship_type ?? ''] : undefined;
    if (!spec || !r.source_ref || !r.target_ref || !ids.has(r.source_ref) || !ids.has(r.target_ref)) continue;
    relationships.push({
      key: r.id,
      type: spec.type,
      from: r.source_ref,
      to: r.target_ref,
      revoked: r.revoked ?? false,
      deprecated: r.x_mitre_deprecated ?? false,
      modified: r.modified ?? '',
      content: fingerprint(r),
    });
  }
  return { domain, release, objects: nodes.map((o) => objectOf(o, domain)), relationships };
}

// Loose: every field counts in the content fingerprint.
const stixLike = z.looseObject({
  type: z.string(),
  id: z.string(),
  name: z.string().optional(),
  modified: z.string().optional(),
  revoked: z.boolean().optional(),
  x_mitre_deprecated: z.boolean().optional(),
  x_mitre_version: z.string().optional(),
  x_mitre_shortname: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  x_mitre_aliases: z.array(z.string()).optional(),
  kill_chain_phases: z.array(z.object({ kill_chain_name: z.string(), phase_name: z.string() })).optional(),
  external_references: z
    .array(z.object({ source_name: z.string(), external_id: z.string().optional() }))
    .optional(),
  relationship_type: z.string().optional(),
  source_ref: z.string().optional(),
  target_ref: z.string().optional(),
  x_mitre_domains: z.array(z.string()).optional(),
});
const bundle = z.object({ type: z.literal('bundle'), objects: z.array(stixLike) });

/** The domain a bundle's matrix names (failing that, the first object's `x_mitre_domains`). */
function domainOf(objects: z.infer<typeof stixLike>[]): Domain | null {
  const isDomain = (d: unknown): d is Domain => (DOMAINS as readonly unknown[]).includes(d);
  const matrix = objects.find((o) => o.type === 'x-mitre-matrix');
  const named = matrix?.external_references?.map((r) => r.external_id).find(isDomain);
  return named ?? objects.flatMap((o) => o.x_mitre_domains ?? []).find(isDomain) ?? null;
}

/** Pure: a parsed STIX bundle (JSON.parse of the file) -> its catalog. Throws naming the bad field. */
export function catalogFromBundle(json: unknown, release: string): Catalog {
  const parsed = bundle.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`not a STIX bundle: ${issue?.path.join('.') || 'bundle'}: ${issue?.message}`);
  }
  const domain = domainOf(parsed.data.objects);
  if (!domain) throw new Error('not an ATT&CK bundle: no x-mitre-matrix or x_mitre_domains names its domain');
  return catalogFromStix(parsed.data.objects, domain, release);
}
