import { z } from 'zod';
import { IGNORED_TYPES, NODE_TYPES } from '../src/model.ts';
import { attackIdProblems, sizeProblem } from './checks.ts';

const timestamp = z.iso.datetime({ offset: true, error: 'an ISO 8601 timestamp' });
const strings = z.array(z.string());
const stixId = (type: string) =>
  z.string().regex(new RegExp(`^${type}--[0-9a-f-]{36}$`), `a STIX id of the form ${type}--<uuid>`);
const anyStixId = z.string().regex(/^[a-z0-9-]+--[0-9a-f-]{36}$/, 'a STIX id of the form <type>--<uuid>');

const externalReference = z.object({
  source_name: z.string(),
  external_id: z.string().optional(),
  url: z.string().optional(),
  description: z.string().optional(),
});

/** Fields every ATT&CK object shares. */
const common = <T extends string>(type: T) => ({
  type: z.literal(type),
  id: stixId(type),
  spec_version: z.string().optional(),
  created: timestamp,
  modified: timestamp,
  name: z.string().min(1),
  description: z.string().optional(),
  external_references: z.array(externalReference).default([]),
  revoked: z.boolean().optional(),
  x_mitre_deprecated: z.boolean().optional(),
  x_mitre_domains: strings.optional(),
  x_mitre_platforms: strings.optional(),
  x_mitre_version: z.string().optional(),
  x_mitre_contributors: strings.optional(),
});

const killChainPhase = z.object({ kill_chain_name: z.string(), phase_name: z.string() });

export const stixObjectSchema = z.discriminatedUnion('type', [
  z.object({ ...common('x-mitre-tactic'), x_mitre_shortname: z.string().min(1) }),
  z.object({
    ...common('attack-pattern'),
    kill_chain_phases: z.array(killChainPhase).default([]),
    x_mitre_is_subtechnique: z.boolean().optional(),
    x_mitre_detection: z.string().optional(),
    x_mitre_data_sources: strings.optional(),
    x_mitre_permissions_required: strings.optional(),
    x_mitre_effective_permissions: strings.optional(),
    x_mitre_defense_bypassed: strings.optional(),
    x_mitre_system_requirements: strings.optional(),
    x_mitre_remote_support: z.boolean().optional(),
    x_mitre_impact_type: strings.optional(),
    x_mitre_tactic_type: strings.optional(),
  }),
  z.object({ ...common('intrusion-set'), aliases: strings.optional() }),
  z.object({ ...common('malware'), x_mitre_aliases: strings.optional(), labels: strings.optional() }),
  z.object({ ...common('tool'), x_mitre_aliases: strings.optional(), labels: strings.optional() }),
  z.object({ ...common('course-of-action') }),
  z.object({
    ...common('campaign'),
    aliases: strings.optional(),
    first_seen: timestamp.optional(),
    last_seen: timestamp.optional(),
    x_mitre_first_seen_citation: z.string().optional(),
    x_mitre_last_seen_citation: z.string().optional(),
  }),
  z.object({ ...common('x-mitre-data-source'), x_mitre_collection_layers: strings.optional() }),
  z.object({
    ...common('x-mitre-data-component'),
    // Empty in release 18, where data sources are deprecated.
    x_mitre_data_source_ref: z.union([stixId('x-mitre-data-source'), z.literal('')]).optional(),
    x_mitre_log_sources: z.array(z.object({ name: z.string(), channel: z.string() })).optional(),
  }),
  z.object({
    ...common('x-mitre-detection-strategy'),
    x_mitre_analytic_refs: z.array(stixId('x-mitre-analytic')).default([]),
  }),
  z.object({
    ...common('x-mitre-analytic'),
    x_mitre_log_source_references: z
      .array(
        z.object({
          x_mitre_data_component_ref: stixId('x-mitre-data-component'),
          name: z.string(),
          channel: z.string(),
        }),
      )
      .default([]),
    x_mitre_mutable_elements: z.array(z.object({ field: z.string(), description: z.string() })).optional(),
  }),
  z.object({
    ...common('x-mitre-asset'),
    x_mitre_sectors: strings.optional(),
    x_mitre_related_assets: z
      .array(
        z.object({
          name: z.string(),
          description: z.string().optional(),
          related_asset_sectors: strings.optional(),
        }),
      )
      .optional(),
  }),
  z.object({ ...common('x-mitre-matrix'), tactic_refs: z.array(stixId('x-mitre-tactic')).min(1) }),
  z.object({
    type: z.literal('relationship'),
    id: stixId('relationship'),
    spec_version: z.string().optional(),
    created: timestamp,
    modified: timestamp,
    relationship_type: z.string().min(1),
    source_ref: anyStixId,
    target_ref: anyStixId,
    description: z.string().optional(),
    external_references: z.array(externalReference).default([]),
    revoked: z.boolean().optional(),
    x_mitre_deprecated: z.boolean().optional(),
    x_mitre_version: z.string().optional(),
  }),
]);

export type StixObject = z.infer<typeof stixObjectSchema>;
export type StixOf<T extends StixObject['type']> = Extract<StixObject, { type: T }>;
export type Relationship = StixOf<'relationship'>;
export type ExternalReference = z.infer<typeof externalReference>;

/** One problem with one object: what the report lists. */
export interface Problem {
  stixId: string | null;
  attackId: string | null;
  type: string | null;
  path: string;
  expected: string;
}

const KNOWN = new Set<string>([...NODE_TYPES, 'relationship']);

function attackIdOf(raw: Record<string, unknown>): string | null {
  const refs = raw.external_references;
  if (!Array.isArray(refs)) return null;
  const ref = refs.find(
    (r) => typeof r?.external_id === 'string' && String(r.source_name).startsWith('mitre'),
  );
  // A report never echoes a huge or hostile value as the object's name.
  return ref && String(ref.external_id).length <= 64 ? String(ref.external_id) : null;
}

function pathText(path: PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  );
}

/** Zod's "Invalid input: expected string, received number" -> "expected string, received number". */
export function expectation(message: string): string {
  const text = message.replace(/^[A-Z][a-z ]+: (?=expected)/, '');
  return text.startsWith('expected') ? text : `expected ${text}`;
}

export interface Validated {
  objects: StixObject[];
  problems: Problem[];
  /** Count per STIX type that the importer does not know; reported, not fatal. */
  unknownTypes: Record<string, number>;
  ignored: number;
}

/** Validates each object on its own, so one bad object never hides the others' problems. */
export function validateObjects(raw: unknown[]): Validated {
  const objects: StixObject[] = [];
  const problems: Problem[] = [];
  const unknownTypes: Record<string, number> = {};
  let ignored = 0;
  // A STIX id twice is refused before anything is written, never left to the database constraint.
  const places = new Map<string, number[]>();
  raw.forEach((value, index) => {
    const id = (value as { id?: unknown } | null)?.id;
    if (typeof id === 'string') places.set(id, [...(places.get(id) ?? []), index]);
  });
  raw.forEach((value, index) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push({
        stixId: null,
        attackId: null,
        type: null,
        path: `objects[${index}]`,
        expected: 'an object',
      });
      return;
    }
    const obj = value as Record<string, unknown>;
    const type = typeof obj.type === 'string' ? obj.type : null;
    const id = typeof obj.id === 'string' ? obj.id : null;
    const problem = (path: string, expected: string) => {
      problems.push({ stixId: id, attackId: attackIdOf(obj), type, path, expected: expectation(expected) });
    };
    const size = sizeProblem(obj);
    if (size) {
      problem(size.path, size.expected);
      return;
    }
    const others = id ? (places.get(id) ?? []).filter((i) => i !== index) : [];
    if (others.length) {
      problem(
        'id',
        `a STIX id used once in the bundle (also at ${others.map((i) => `objects[${i}]`).join(', ')})`,
      );
      return;
    }
    if (type && IGNORED_TYPES.has(type)) {
      ignored++;
      return;
    }
    if (type && !KNOWN.has(type)) {
      unknownTypes[type] = (unknownTypes[type] ?? 0) + 1;
      return;
    }
    const parsed = stixObjectSchema.safeParse(obj);
    if (parsed.success) {
      objects.push(parsed.data);
      return;
    }
    for (const issue of parsed.error.issues) {
      problem(pathText(issue.path) || `objects[${index}]`, expectation(issue.message));
    }
  });
  const idProblems = attackIdProblems(objects);
  problems.push(...idProblems);
  const refused = new Set(idProblems.map((p) => p.stixId));
  return { objects: objects.filter((o) => !refused.has(o.id)), problems, unknownTypes, ignored };
}
