import { z } from 'zod';
import { controlKey } from '../controls.ts';
import type { Query, ReadExecutor } from '../neo4j/executor.ts';
import { CORE, idOf, inRelease, type NodeRef, type NodeRow, project, q, refKey } from './rows.ts';

/*
 * Control mappings (see docs/architecture.md "Control mappings"). They name techniques by ATT&CK
 * id; every read joins them to the techniques of the release it reads, here, at read time: a
 * technique revoked in that release is followed along `REVOKED_BY` to the technique that replaced
 * it (`viaRevocation`), a deprecated, unknown or successor-less one is left out of the answer and
 * listed as dropped.
 */

/**
 * The technique of the read release that an ATT&CK id `${id}` names, after revocation, and how it
 * was reached: `direct`, `revocation`, or why not (`unknown`, `revoked` without a successor, `deprecated`).
 */
const resolve = (id: string, named: boolean) => `
  CALL (${id.split('.')[0]}) {
    OPTIONAL MATCH (t:AttackObject {attackId: ${id}}) WHERE t:Technique AND ${inRelease('t', named)}
    WITH t ORDER BY coalesce(t.revoked, false), coalesce(t.deprecated, false) LIMIT 1
    OPTIONAL MATCH (t)-[:REVOKED_BY*1..10]->(e:Technique)
      WHERE coalesce(t.revoked, false) AND NOT coalesce(e.revoked, false)
    WITH t, e LIMIT 1
    WITH t, CASE WHEN coalesce(t.revoked, false) THEN e ELSE t END AS target
    RETURN target, CASE
      WHEN t IS NULL THEN 'unknown'
      WHEN target IS NULL THEN 'revoked'
      WHEN coalesce(target.deprecated, false) THEN 'deprecated'
      WHEN target <> t THEN 'revocation'
      ELSE 'direct' END AS resolution
  }`;

const MAPPING = `m {.mappingType, .status, .scoreCategory, .scoreValue, .comments, .references, .attackVersion,
  .attackName, .relatedScore, .index, .domain, attackId: mt.attackId}`;
const CONTROL = 'c {.key, .framework, .id, .name, .group, .groupName, .frameworkVersion}';

/** The controls of techniques (by node), including mappings to the techniques each one revoked. */
export const CONTROLS_OF_TECHNIQUES = q(
  'controls.ofTechniques',
  `UNWIND $refs AS ref
   MATCH (t:AttackObject {stixId: ref.stixId, release: ref.release})
   WHERE t:Technique AND NOT coalesce(t.revoked, false) AND NOT coalesce(t.deprecated, false)
   CALL (t) {
     RETURN t.attackId AS written, false AS revoked
     UNION
     MATCH (old:Technique)-[:REVOKED_BY*1..10]->(t) WHERE old.attackId IS NOT NULL
     RETURN old.attackId AS written, true AS revoked
   }
   MATCH (mt:MappedTechnique {attackId: written})<-[m:MAPS_TO]-(c:Control)
   WHERE ($framework IS NULL OR c.framework = $framework) AND ($mappingType IS NULL OR m.mappingType = $mappingType)
   RETURN ref.stixId AS stixId, ref.release AS release, ${CONTROL} AS control, ${MAPPING} AS mapping,
          CASE WHEN revoked THEN written END AS viaRevocation
   ORDER BY c.framework, c.id, m.index`,
);

/** Controls are not per release: the lookup is one shape. */
export const CONTROLS_BY_KEY = q(
  'controls.byKey',
  `UNWIND $keys AS key MATCH (c:Control {key: key}) RETURN key, ${CONTROL} AS control`,
);

/** The techniques of controls in one release: each mapping with the technique it resolves to. */
const techniquesOfControls = (named: boolean): Query =>
  q(
    `controls.techniques${named ? '.release' : ''}`,
    `UNWIND $keys AS key
     MATCH (c:Control {key: key})-[m:MAPS_TO]->(mt:MappedTechnique)
     WHERE $mappingType IS NULL OR m.mappingType = $mappingType
     ${resolve('mt.attackId', named)}
     RETURN key, ${MAPPING} AS mapping, resolution, CASE WHEN resolution IN ['direct', 'revocation'] THEN ${project('target', CORE)} END AS technique
     ORDER BY key, target.attackId, m.index`,
  );

/** Every imported mapping set, with how its ATT&CK ids meet the read release. */
const frameworks = (named: boolean): Query =>
  q(
    `controls.frameworks${named ? '.release' : ''}`,
    `MATCH (f:MappingFramework)
     CALL (f) {
       MATCH (:Control)-[:MAPS_TO {set: f.key}]->(mt:MappedTechnique)
       WITH DISTINCT mt
       ${resolve('mt.attackId', named)}
       WITH mt, target, resolution WHERE resolution <> 'direct'
       RETURN collect({attackId: mt.attackId, resolution: resolution, now: target.attackId}) AS moved
     }
     RETURN f {.framework, .domain, .version, .attackVersion, .importedAt, .source, .mappingCount, .controlCount,
               .techniqueCount, .unmappableTechniques, .unmappableControls, .mappingTypes} AS set, moved
     ORDER BY f.framework, f.domain`,
  );

const nullish = <T extends z.ZodType>(t: T) => t.nullish().transform((v) => v ?? null);

const controlRow = z.object({
  key: z.string(),
  framework: z.string(),
  id: z.string(),
  name: nullish(z.string()),
  group: nullish(z.string()),
  groupName: nullish(z.string()),
  frameworkVersion: z.string(),
});
export type ControlRow = z.infer<typeof controlRow> & { release?: string | null };

const mappingRow = z.object({
  attackId: z.string(),
  mappingType: z.string(),
  status: nullish(z.string()),
  scoreCategory: nullish(z.string()),
  scoreValue: nullish(z.string()),
  comments: nullish(z.string()),
  references: nullish(z.array(z.string())).transform((v) => v ?? []),
  attackVersion: z.string(),
  attackName: nullish(z.string()),
  relatedScore: nullish(z.string()),
  index: z.number(),
  domain: z.string(),
});
export type MappingRow = z.infer<typeof mappingRow>;

/** One control mapped to one technique, as a technique's `controls` edge shows it. */
export interface TechniqueControl {
  node: ControlRow;
  mapping: MappingRow;
  /** The ATT&CK id the mapping was written for, when it was revoked since and followed here. */
  viaRevocation: string | null;
}

export interface ControlFilter {
  framework: string | null;
  mappingType: string | null;
}

/** The controls of each technique, keyed by `refKey`; `[]` for a technique with none. */
export async function fetchTechniqueControls(
  db: ReadExecutor,
  refs: readonly NodeRef[],
  filter: ControlFilter,
): Promise<TechniqueControl[][]> {
  const rows = await db.read(CONTROLS_OF_TECHNIQUES, {
    refs: refs.map(({ stixId, release }) => ({ stixId, release })),
    ...filter,
  });
  const out = new Map<string, TechniqueControl[]>();
  for (const r of rows) {
    const key = refKey({ stixId: String(r.stixId), release: String(r.release) });
    const list = out.get(key) ?? [];
    list.push({
      node: controlRow.parse(r.control),
      mapping: mappingRow.parse(r.mapping),
      viaRevocation: (r.viaRevocation as string | null) ?? null,
    });
    out.set(key, list);
  }
  return refs.map((ref) => out.get(refKey(ref)) ?? []);
}

/** Every control of a framework, by id. */
export const CONTROLS_OF_FRAMEWORK = q(
  'controls.ofFramework',
  `MATCH (c:Control {framework: $framework}) WITH c ORDER BY c.id RETURN ${CONTROL} AS control`,
);

export async function fetchFrameworkControls(
  db: ReadExecutor,
  framework: string,
  release: string | null,
): Promise<ControlRow[]> {
  const rows = await db.read(CONTROLS_OF_FRAMEWORK, { framework });
  return rows.map((r) => ({ ...controlRow.parse(r.control), release }));
}

/** Controls by (framework, id in any accepted spelling); null where none. */
export async function fetchControls(
  db: ReadExecutor,
  lookups: readonly { framework: string; id: string; release: string | null }[],
): Promise<(ControlRow | null)[]> {
  const keys = lookups.map((l) => controlKey(l.framework, l.id));
  const rows = await db.read(CONTROLS_BY_KEY, { keys });
  const byKey = new Map(rows.map((r) => [String(r.key), controlRow.parse(r.control)]));
  return lookups.map((l, i) => {
    const row = byKey.get(keys[i] ?? '');
    return row ? { ...row, release: l.release } : null;
  });
}

export interface ControlTechnique {
  node: NodeRow;
  mapping: MappingRow;
  viaRevocation: string | null;
}

export interface DroppedMapping {
  attackId: string;
  /** `unknown` (no such technique in the release), `deprecated`, or `revoked` with no successor. */
  reason: string;
}

export interface ControlTechniques {
  items: ControlTechnique[];
  dropped: DroppedMapping[];
}

/** The techniques of each control in `release` (null: the newest), with the mappings left out. */
export async function fetchControlTechniques(
  db: ReadExecutor,
  keys: readonly string[],
  release: string | null,
  mappingType: string | null,
): Promise<ControlTechniques[]> {
  const rows = await db.read(techniquesOfControls(release !== null), {
    keys: [...new Set(keys)],
    release,
    mappingType,
  });
  const out = new Map<string, ControlTechniques>();
  for (const r of rows) {
    const key = String(r.key);
    const entry = out.get(key) ?? { items: [], dropped: [] };
    const mapping = mappingRow.parse(r.mapping);
    const resolution = String(r.resolution);
    if (r.technique) {
      entry.items.push({
        node: r.technique as NodeRow,
        mapping,
        viaRevocation: resolution === 'revocation' ? mapping.attackId : null,
      });
    } else if (!entry.dropped.some((d) => d.attackId === mapping.attackId)) {
      entry.dropped.push({ attackId: mapping.attackId, reason: resolution });
    }
    out.set(key, entry);
  }
  return keys.map((k) => out.get(k) ?? { items: [], dropped: [] });
}

const frameworkRow = z.object({
  framework: z.string(),
  domain: z.string(),
  version: z.string(),
  attackVersion: z.string(),
  importedAt: z.string(),
  source: nullish(z.string()),
  mappingCount: z.number(),
  controlCount: z.number(),
  techniqueCount: z.number(),
  unmappableTechniques: nullish(z.array(z.string())).transform((v) => v ?? []),
  unmappableControls: nullish(z.array(z.string())).transform((v) => v ?? []),
  mappingTypes: nullish(z.array(z.string())).transform((v) => v ?? []),
});
const movedRow = z.object({ attackId: z.string(), resolution: z.string(), now: nullish(z.string()) });

export type FrameworkRow = z.infer<typeof frameworkRow> & {
  /** Mapped ATT&CK ids revoked in the read release, with the id that replaced each. */
  revocationFollowed: { attackId: string; now: string }[];
  /** Mapped ATT&CK ids the read release cannot answer for. */
  dropped: DroppedMapping[];
};

/** Every imported mapping set, read against `release` (null: the newest). */
export async function fetchFrameworks(db: ReadExecutor, release: string | null): Promise<FrameworkRow[]> {
  const rows = await db.read(frameworks(release !== null), { release });
  return rows.map((r) => {
    const moved = z.array(movedRow).parse(r.moved);
    const byId = (a: { attackId: string }, b: { attackId: string }) => a.attackId.localeCompare(b.attackId);
    return {
      ...frameworkRow.parse(r.set),
      revocationFollowed: moved
        .filter((m) => m.resolution === 'revocation')
        .map((m) => ({ attackId: m.attackId, now: m.now ?? '' }))
        .sort(byId),
      dropped: moved
        .filter((m) => m.resolution !== 'revocation')
        .map((m) => ({ attackId: m.attackId, reason: m.resolution }))
        .sort(byId),
    };
  });
}

/** Every control of a framework with the techniques of the read release it covers (as analyst ids). */
const coverage = (named: boolean): Query =>
  q(
    `controls.coverage${named ? '.release' : ''}`,
    `MATCH (c:Control {framework: $framework})-[m:MAPS_TO]->(mt:MappedTechnique)
     WHERE $mappingType IS NULL OR m.mappingType = $mappingType
     WITH DISTINCT c, mt
     ${resolve('mt.attackId', named)}
     WITH c, target WHERE resolution IN ['direct', 'revocation']
     WITH c, collect(DISTINCT ${idOf('target', named)}) AS techniques ORDER BY c.id
     RETURN ${CONTROL} AS control, techniques`,
  );

export interface ControlCoverage {
  control: ControlRow;
  /** Technique ids as the analyst queries name them (`stixId`, or `stixId@release` in a named release). */
  techniques: string[];
}

export async function fetchControlCoverage(
  db: ReadExecutor,
  framework: string,
  mappingType: string | null,
  release: string | null,
): Promise<ControlCoverage[]> {
  const rows = await db.read(coverage(release !== null), { framework, mappingType, release });
  return rows.map((r) => ({
    control: { ...controlRow.parse(r.control), release },
    techniques: z.array(z.string()).parse(r.techniques),
  }));
}

/**
 * Controls of a framework that share techniques with each mitigation (its current `mitigates`
 * techniques, and mappings written for techniques they revoked), most shared first. Derived from
 * the two mappings, not published by anyone.
 */
export const CONTROLS_OF_MITIGATIONS = q(
  'controls.ofMitigations',
  `UNWIND $refs AS ref
   MATCH (mi:AttackObject {stixId: ref.stixId, release: ref.release})-[:MITIGATES]->(t:Technique)
   WHERE NOT coalesce(t.revoked, false) AND NOT coalesce(t.deprecated, false)
   WITH ref, collect(DISTINCT t) AS techniques
   UNWIND techniques AS t
   CALL (t) {
     RETURN t.attackId AS written
     UNION
     MATCH (old:Technique)-[:REVOKED_BY*1..10]->(t) WHERE old.attackId IS NOT NULL
     RETURN old.attackId AS written
   }
   MATCH (:MappedTechnique {attackId: written})<-[:MAPS_TO]-(c:Control {framework: $framework})
   WITH ref, size(techniques) AS total, c, collect(DISTINCT t.attackId) AS shared
   WITH ref, total, c, shared ORDER BY size(shared) DESC, c.id
   RETURN ref.stixId AS stixId, ref.release AS release, total, ${CONTROL} AS control, shared`,
);

export interface DerivedControl {
  node: ControlRow;
  /** ATT&CK ids of the mitigation's techniques the control is mapped to. */
  shared: string[];
  /** How many techniques the mitigation addresses. */
  total: number;
}

export async function fetchMitigationControls(
  db: ReadExecutor,
  refs: readonly NodeRef[],
  framework: string,
): Promise<DerivedControl[][]> {
  const rows = await db.read(CONTROLS_OF_MITIGATIONS, {
    refs: refs.map(({ stixId, release }) => ({ stixId, release })),
    framework,
  });
  const out = new Map<string, DerivedControl[]>();
  for (const r of rows) {
    const key = refKey({ stixId: String(r.stixId), release: String(r.release) });
    const list = out.get(key) ?? [];
    list.push({
      node: controlRow.parse(r.control),
      shared: z.array(z.string()).parse(r.shared).sort(),
      total: Number(r.total),
    });
    out.set(key, list);
  }
  return refs.map((ref) => out.get(refKey(ref)) ?? []);
}
