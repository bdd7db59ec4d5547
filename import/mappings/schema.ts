import { z } from 'zod';
import {
  CVE_ID,
  NON_MAPPABLE,
  normaliseMappingType,
  SCORE_CATEGORIES,
  SCORE_VALUES,
  TECHNIQUE_ID,
} from '../../src/controls.ts';

/*
 * The Mappings Explorer unified format (`mapex-unified-data-schema.json`), in zod, strict as the
 * published JSON schema is (`additionalProperties: false`), plus the rules the graph relies on:
 * a known mapping type, a mappable entry names both ends, a KEV capability is a CVE id.
 */

const DATE = /^[0-9]{1,2}\/[0-9]{1,2}\/[0-9]{4}$/;
const text = z.string().nullable().optional();

const metadata = z
  .object({
    mapping_version: z.string(),
    attack_version: z.string().regex(/^\d+(\.\d+)*$/, 'an ATT&CK version such as "16.1"'),
    technology_domain: z.enum(['enterprise', 'mobile', 'ics']),
    // The published schema asks for two-digit months and days; files written by hand drop the zero.
    creation_date: z.string().regex(DATE, 'a date MM/DD/YYYY'),
    last_update: z.string().regex(DATE, 'a date MM/DD/YYYY').optional(),
    mapping_framework: z.string().regex(/^[a-z0-9_]+$/, 'a framework name such as "nist_800_53"'),
    mapping_framework_version: z.string().min(1, 'the version of the framework'),
    mapping_framework_version_schema: z.enum(['FRAMEWORK_VERSION', 'ACCESS_DATE']).optional(),
    author: text,
    contact: text,
    organization: text,
    mapping_types: z.record(z.string(), z.object({ name: z.string(), description: z.string() }).strict()),
    capability_groups: z.record(z.string(), z.string()),
  })
  .strict();

const mappingObject = z
  .object({
    author: text,
    author_contact: text,
    author_organization: text,
    attack_object_id: text,
    attack_object_name: text,
    attack_version: z.string().optional(),
    mapping_framework: z.string().optional(),
    mapping_framework_version: z.string().optional(),
    capability_id: text,
    capability_description: text,
    comments: text,
    references: z.array(z.string()).nullable().optional(),
    mapping_type: z.string().nullable(),
    capability_group: z.string().nullable(),
    status: z.enum(['complete', 'in_progress', 'non_mappable']).optional(),
    technology_domain: z.string().optional(),
    score_category: z.enum(SCORE_CATEGORIES).nullable().optional(),
    score_value: z.enum(SCORE_VALUES).nullable().optional(),
    related_score: text,
  })
  .strict();

export type MappingObject = z.infer<typeof mappingObject>;
export type MappingMetadata = z.infer<typeof metadata>;
export interface MappingFile {
  metadata: MappingMetadata;
  mapping_objects: MappingObject[];
}

/** One thing wrong with a file: where (object index, field) and what was expected. */
export interface MappingProblem {
  file: string;
  /** The index in `mapping_objects`, or null for the file's top level and `metadata`. */
  index: number | null;
  field: string;
  expected: string;
}

export const formatMappingProblem = (p: MappingProblem) =>
  `${p.file}: ${p.index === null ? '' : `mapping_objects[${p.index}] `}${p.field}: ${p.expected}`;

/** Whether an entry says "no mapping" (`non_mappable` status or type, or a null type). */
export const isUnmappable = (o: MappingObject) =>
  o.status === 'non_mappable' || normaliseMappingType(o.mapping_type) === NON_MAPPABLE;

/**
 * A typed entry that lacks one end (VERIS enterprise has a `related_to` with no technique): no
 * relationship can be made, so it counts as "no mapping" and the import report names it.
 */
export const isIncomplete = (o: MappingObject) =>
  !isUnmappable(o) && (!o.capability_id || !o.attack_object_id);

/** The checks zod's shapes cannot make: they span fields, or depend on the framework. */
function objectProblems(o: MappingObject, framework: string): { field: string; expected: string }[] {
  const out: { field: string; expected: string }[] = [];
  if (normaliseMappingType(o.mapping_type) === undefined)
    out.push({
      field: 'mapping_type',
      expected: `expected a known mapping type (mitigates, technique_scores, exploitation_technique, primary_impact, secondary_impact, related_to, non_mappable or null), got ${JSON.stringify(o.mapping_type)}`,
    });
  if (o.attack_object_id != null && !TECHNIQUE_ID.test(o.attack_object_id))
    out.push({
      field: 'attack_object_id',
      expected: `expected an ATT&CK technique id such as T1078 or T1078.004, got ${JSON.stringify(o.attack_object_id)}`,
    });
  if (framework === 'kev' && o.capability_id != null && !CVE_ID.test(o.capability_id))
    out.push({
      field: 'capability_id',
      expected: `expected a CVE id such as CVE-2024-3400, got ${JSON.stringify(o.capability_id)}`,
    });
  if (!o.capability_id && !o.attack_object_id)
    out.push({
      field: 'capability_id',
      expected: 'a capability id or an ATT&CK id (an entry needs at least one)',
    });
  return out;
}

const pathField = (path: readonly PropertyKey[]) => path.map(String).join('.') || '(top level)';

/**
 * Validates a parsed file. Returns the file, or every problem found (all of them, so one run
 * lists everything to fix). Not a mapping file at all (no `metadata` / `mapping_objects`) is one problem.
 */
export function validateMappingFile(
  json: unknown,
  file: string,
): { ok: true; value: MappingFile } | { ok: false; problems: MappingProblem[] } {
  const problems: MappingProblem[] = [];
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return {
      ok: false,
      problems: [
        {
          file,
          index: null,
          field: '(top level)',
          expected: 'a JSON object with `metadata` and `mapping_objects`',
        },
      ],
    };
  }
  const top = json as Record<string, unknown>;
  for (const key of Object.keys(top))
    if (key !== 'metadata' && key !== 'mapping_objects')
      problems.push({
        file,
        index: null,
        field: key,
        expected: 'no such field: a mapping file has only `metadata` and `mapping_objects`',
      });
  const meta = metadata.safeParse(top.metadata);
  if (!meta.success) {
    if (top.metadata === undefined)
      problems.push({
        file,
        index: null,
        field: 'metadata',
        expected:
          'an object describing the mapping (framework, versions, domain); this is not a mapping file',
      });
    else
      for (const issue of meta.error.issues)
        problems.push({
          file,
          index: null,
          field: `metadata.${pathField(issue.path)}`,
          expected: issue.message,
        });
  }
  // The framework's own rules (KEV: CVE ids) apply even when other metadata is wrong: one run lists all.
  const named = (top.metadata as { mapping_framework?: unknown } | undefined)?.mapping_framework;
  const framework = typeof named === 'string' ? named : '';
  const objects = top.mapping_objects;
  const parsed: MappingObject[] = [];
  if (!Array.isArray(objects)) {
    problems.push({
      file,
      index: null,
      field: 'mapping_objects',
      expected: 'an array of mapping objects; this is not a mapping file',
    });
  } else {
    objects.forEach((raw, index) => {
      const r = mappingObject.safeParse(raw);
      if (!r.success) {
        for (const issue of r.error.issues)
          problems.push({ file, index, field: pathField(issue.path), expected: issue.message });
        return;
      }
      for (const p of objectProblems(r.data, framework)) problems.push({ file, index, ...p });
      parsed.push(r.data);
    });
  }
  if (problems.length || !meta.success) return { ok: false, problems };
  return { ok: true, value: { metadata: meta.data, mapping_objects: parsed } };
}
