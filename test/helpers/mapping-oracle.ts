/**
 * What the raw Mappings Explorer files say, computed straight from their JSON with nothing of the
 * importer: the counts and answers the graph must give back.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { MAPPINGS_DIR, mappingPath } from './paths.ts';

interface RawObject {
  capability_id: string | null;
  capability_description?: string | null;
  attack_object_id: string | null;
  mapping_type: string | null;
  status?: string;
  score_category?: string | null;
  score_value?: string | null;
}

interface RawFile {
  metadata: {
    mapping_framework: string;
    technology_domain: string;
    mapping_framework_version: string;
    attack_version: string;
  };
  mapping_objects: RawObject[];
}

export const rawMappingFiles = () =>
  readdirSync(MAPPINGS_DIR)
    .filter((f) => /_attack-.*\.json$/.test(f))
    .sort();

export const readRaw = (file: string): RawFile => JSON.parse(readFileSync(mappingPath(file), 'utf8'));

/** An entry that is a relationship: typed, not `non_mappable`, with both ends. */
export const isRawMapping = (o: RawObject) =>
  o.status !== 'non_mappable' &&
  o.mapping_type !== null &&
  o.mapping_type !== 'non_mappable' &&
  !!o.capability_id &&
  !!o.attack_object_id;

/** NIST ids without zero padding (AC-02 -> AC-2), every id case-folded, as docs/architecture.md says. */
export const rawControlKey = (framework: string, id: string) =>
  (framework === 'nist_800_53' ? id.replace(/-0+(\d)/, '-$1') : id).toLowerCase();

export interface RawCounts {
  framework: string;
  domain: string;
  version: string;
  mappings: number;
  controls: number;
  techniques: number;
  unmappableTechniques: number;
}

export function rawCounts(file: string): RawCounts {
  const { metadata, mapping_objects } = readRaw(file);
  const framework = metadata.mapping_framework;
  const mapped = mapping_objects.filter(isRawMapping);
  return {
    framework,
    domain: metadata.technology_domain,
    version: metadata.mapping_framework_version,
    mappings: mapped.length,
    controls: new Set(
      mapping_objects
        .filter((o) => o.capability_id)
        .map((o) => rawControlKey(framework, o.capability_id as string)),
    ).size,
    techniques: new Set(mapped.map((o) => o.attack_object_id)).size,
    unmappableTechniques: new Set(
      mapping_objects.filter((o) => !o.capability_id && o.attack_object_id).map((o) => o.attack_object_id),
    ).size,
  };
}

/** The mapped entries of `file` whose capability is `id` (any spelling) or whose technique is `attackId`. */
export function rawEntries(file: string, where: { control?: string; attackId?: string }) {
  const { metadata, mapping_objects } = readRaw(file);
  const fw = metadata.mapping_framework;
  return mapping_objects
    .filter(isRawMapping)
    .filter(
      (o) =>
        (where.control === undefined ||
          rawControlKey(fw, o.capability_id as string) === rawControlKey(fw, where.control)) &&
        (where.attackId === undefined || o.attack_object_id === where.attackId),
    );
}
