import {
  canonicalControlId,
  controlKey,
  type MappingType,
  normaliseMappingType,
} from '../../src/controls.ts';
import { isIncomplete, isUnmappable, type MappingFile } from './schema.ts';

/*
 * A validated mapping file to the rows the graph stores (pure). One file is one mapping set,
 * identified by (framework, domain): VERIS and KEV publish one file per ATT&CK domain.
 */

export interface ControlRow {
  key: string;
  framework: string;
  id: string;
  frameworkVersion: string;
  name: string | null;
  group: string | null;
  groupName: string | null;
}

export interface MappingRow {
  controlKey: string;
  attackId: string;
  /** The entry's index in `mapping_objects`: two entries may say the same thing (kept, as published). */
  index: number;
  mappingType: MappingType;
  status: string;
  scoreCategory: string | null;
  scoreValue: string | null;
  comments: string | null;
  references: string[];
  attackVersion: string;
  attackName: string | null;
  relatedScore: string | null;
}

export interface MappingSet {
  key: string;
  framework: string;
  domain: string;
  version: string;
  attackVersion: string;
  mappingVersion: string;
  creationDate: string;
  lastUpdate: string | null;
  mappingTypes: string[];
  groupsJson: string;
  controls: ControlRow[];
  mappings: MappingRow[];
  /** ATT&CK ids the file says no control of the framework maps to. */
  unmappableTechniques: string[];
  /** Canonical ids of the controls the file says map to no technique (and that have no mapping). */
  unmappableControls: string[];
  /** Entries kept as "no mapping" because they lack an end, by index. */
  incomplete: { index: number; missing: 'capability_id' | 'attack_object_id' }[];
}

export const setKey = (framework: string, domain: string) => `${framework}|${domain}`;

const VERSION = /^\d+(\.\d+)*$/;

/** Empty strings in the files mean "not given". */
const given = (s: string | null | undefined) => (s == null || s.trim() === '' ? null : s);

export function transformMappingFile(file: MappingFile): MappingSet {
  const meta = file.metadata;
  const framework = meta.mapping_framework;
  const domain = meta.technology_domain;
  const controls = new Map<string, ControlRow>();
  const mappings: MappingRow[] = [];
  const unmappableTechniques = new Set<string>();
  const unmappableControls = new Map<string, string>();
  const incomplete: MappingSet['incomplete'] = [];
  file.mapping_objects.forEach((o, index) => {
    if (o.capability_id) {
      const key = controlKey(framework, o.capability_id);
      if (!controls.has(key)) {
        controls.set(key, {
          key,
          framework,
          id: canonicalControlId(framework, o.capability_id),
          frameworkVersion: meta.mapping_framework_version,
          name: given(o.capability_description),
          group: given(o.capability_group),
          groupName: (o.capability_group && meta.capability_groups[o.capability_group]) ?? null,
        });
      }
    }
    if (isIncomplete(o))
      incomplete.push({ index, missing: o.capability_id ? 'attack_object_id' : 'capability_id' });
    if (isUnmappable(o) || isIncomplete(o)) {
      if (o.attack_object_id) unmappableTechniques.add(o.attack_object_id);
      if (o.capability_id)
        unmappableControls.set(
          controlKey(framework, o.capability_id),
          canonicalControlId(framework, o.capability_id),
        );
      return;
    }
    // Validation guarantees both ends and a known type for a mappable entry.
    const type = normaliseMappingType(o.mapping_type) as MappingType;
    mappings.push({
      controlKey: controlKey(framework, o.capability_id as string),
      attackId: o.attack_object_id as string,
      index,
      mappingType: type,
      status: o.status ?? 'complete',
      scoreCategory: o.score_category ?? null,
      scoreValue: o.score_value ?? null,
      comments: given(o.comments),
      references: o.references ?? [],
      // Some entries say `[UNKNOWN_VERSION]`: the file's own version is the one it was written for.
      attackVersion:
        o.attack_version && VERSION.test(o.attack_version) ? o.attack_version : meta.attack_version,
      attackName: given(o.attack_object_name),
      relatedScore: given(o.related_score),
    });
  });
  const mapped = new Set(mappings.map((m) => m.controlKey));
  return {
    key: setKey(framework, domain),
    framework,
    domain,
    version: meta.mapping_framework_version,
    attackVersion: meta.attack_version,
    mappingVersion: meta.mapping_version,
    creationDate: meta.creation_date,
    lastUpdate: given(meta.last_update),
    mappingTypes: Object.keys(meta.mapping_types).sort(),
    groupsJson: JSON.stringify(meta.capability_groups),
    controls: [...controls.values()],
    mappings,
    unmappableTechniques: [...unmappableTechniques].sort(),
    unmappableControls: [...unmappableControls]
      .filter(([k]) => !mapped.has(k))
      .map(([, id]) => id)
      .sort(),
    incomplete,
  };
}

/** `12/12/2024` or `7/28/2025` as a sortable number, else null. */
function dateValue(v: string): number | null {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(v.trim());
  return m ? Number(m[3]) * 10_000 + Number(m[1]) * 100 + Number(m[2]) : null;
}

/**
 * Orders two versions of one framework: dates (cloud, KEV) by date, others (`rev5`, `v2.1`,
 * `1.4.0`, `4.1`) by their numbers. 0 when neither is known to be newer.
 */
export function compareFrameworkVersions(a: string, b: string): number {
  const da = dateValue(a);
  const db = dateValue(b);
  if (da !== null && db !== null) return Math.sign(da - db);
  const na = a.match(/\d+/g)?.map(Number) ?? [];
  const nb = b.match(/\d+/g)?.map(Number) ?? [];
  for (let i = 0; i < Math.max(na.length, nb.length); i++) {
    const d = (na[i] ?? 0) - (nb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}
