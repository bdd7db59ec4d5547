import { z } from 'zod';
import type { Query, ReadExecutor } from '../../neo4j/executor.ts';
import {
  type Domain,
  idOf,
  LABELS,
  type Label,
  perRelease,
  type ReleaseArg,
  releaseParams,
  stixIdsOf,
  usagePaths,
  VIAS,
  type Via,
} from '../rows.ts';
import { activeInDomain, entry, onPlatform } from './common.ts';

/** The kinds of object that use techniques, and the label each is stored under. */
export const ACTOR_LABELS = {
  GROUP: 'Group',
  CAMPAIGN: 'Campaign',
  SOFTWARE: 'Software',
} as const satisfies Record<string, Label>;
export type ActorKind = keyof typeof ACTOR_LABELS;

/** The active actors `a` of `$labels`, or only `$actors` when given. */
const actors = (named: boolean) => `
MATCH (a:AttackObject)
WHERE ${entry('a', named)} AND any(l IN labels(a) WHERE l IN $labels) AND ($actors IS NULL OR a.stixId IN $actors)
  AND ${activeInDomain('a')}`;

/**
 * Technique usage of many actors at once, along the `$via` paths: DIRECT `uses`; CAMPAIGN, the
 * `uses` of campaigns attributed to a group; SOFTWARE, the `uses` of software the actor uses.
 * Objects and relationships in the middle of a path must be active. `$rollUp` reports a
 * sub-technique's usage under its parent technique.
 */
export const ACTOR_TECHNIQUES = perRelease(
  (named): Query => ({
    name: 'analytics.actorTechniques',
    cypher: `${actors(named)}
CALL (a) {
  ${usagePaths({ actor: 'a', target: 't:Technique', returns: 't' })}
}
WITH a, t, via WHERE ${activeInDomain('t')} AND ${onPlatform('t')}
OPTIONAL MATCH (t)-[:SUBTECHNIQUE_OF]->(parent:Technique) WHERE $rollUp AND ${activeInDomain('parent')}
WITH a, coalesce(parent, t) AS t, via
WITH a, t, collect(DISTINCT via) AS vias
RETURN ${idOf('a', named)} AS actor, a.attackId AS attackId, [l IN labels(a) WHERE l IN $labels][0] AS label,
       collect({technique: ${idOf('t', named)}, via: vias}) AS techniques`,
  }),
);

const actorTechniquesRow = z.object({
  actor: z.string(),
  attackId: z.string().nullable(),
  label: z.string(),
  techniques: z.array(z.object({ technique: z.string(), via: z.array(z.enum(VIAS)) })),
});

export interface ActorUsage {
  actor: string;
  attackId: string | null;
  kind: ActorKind;
  /** Technique STIX id -> the paths that found it. */
  techniques: Map<string, Via[]>;
}

export interface UsageFilters {
  kinds: readonly ActorKind[];
  /** Only these actors (STIX ids); all active actors of the kinds when null. */
  actors: readonly string[] | null;
  via: readonly Via[];
  domain: Domain | null;
  platform: string | null;
  rollUp: boolean;
  /** The release to read; the newest when absent. */
  release?: ReleaseArg;
}

const KIND_OF_LABEL = Object.fromEntries(Object.entries(ACTOR_LABELS).map(([k, l]) => [l, k])) as Record<
  string,
  ActorKind
>;

const actorParams = (f: UsageFilters) => ({
  labels: f.kinds.map((k) => LABELS[ACTOR_LABELS[k]]),
  actors: f.actors && stixIdsOf(f.actors),
  ...releaseParams(f.release),
  via: f.via,
  domain: f.domain,
  platform: f.platform,
});

/** Technique sets of the actors, one round trip. Actors without any technique are left out. */
export async function fetchActorTechniques(db: ReadExecutor, f: UsageFilters): Promise<ActorUsage[]> {
  if (f.kinds.length === 0 || f.via.length === 0 || f.actors?.length === 0) return [];
  const rows = await db.read(ACTOR_TECHNIQUES(f.release), { ...actorParams(f), rollUp: f.rollUp });
  return rows.map((r) => {
    const row = actorTechniquesRow.parse(r);
    return {
      actor: row.actor,
      attackId: row.attackId,
      kind: KIND_OF_LABEL[row.label] ?? 'GROUP',
      techniques: new Map(row.techniques.map((t) => [t.technique, t.via])),
    };
  });
}

/** The software each actor uses: its own `uses` (DIRECT) and, for groups, its attributed campaigns' (CAMPAIGN). */
export const ACTOR_SOFTWARE = perRelease(
  (named): Query => ({
    name: 'analytics.actorSoftware',
    cypher: `${actors(named)}
CALL (a) {
  ${usagePaths({ actor: 'a', target: 's:Software', returns: 's', paths: ['DIRECT', 'CAMPAIGN'] })}
}
WITH a, s WHERE ${activeInDomain('s')} AND ${onPlatform('s')}
RETURN ${idOf('a', named)} AS actor, collect(DISTINCT ${idOf('s', named)}) AS software`,
  }),
);

const actorSoftwareRow = z.object({ actor: z.string(), software: z.array(z.string()) });

export async function fetchActorSoftware(
  db: ReadExecutor,
  f: UsageFilters,
): Promise<Map<string, Set<string>>> {
  if (f.kinds.length === 0 || f.actors?.length === 0) return new Map();
  const rows = await db.read(ACTOR_SOFTWARE(f.release), actorParams(f));
  return new Map(rows.map((r) => actorSoftwareRow.parse(r)).map((r) => [r.actor, new Set(r.software)]));
}

export type UsageBasis = 'TECHNIQUES' | 'SOFTWARE' | 'BOTH';

/**
 * Each actor's set of used items on a basis: techniques, software, or both (one set holding
 * technique and software STIX ids). One round trip per basis, run together.
 */
export async function fetchItemSets(
  db: ReadExecutor,
  f: UsageFilters,
  basis: UsageBasis,
): Promise<Map<string, Set<string>>> {
  const [techniques, software] = await Promise.all([
    basis === 'SOFTWARE' ? Promise.resolve([]) : fetchActorTechniques(db, f),
    basis === 'TECHNIQUES' ? Promise.resolve(new Map<string, Set<string>>()) : fetchActorSoftware(db, f),
  ]);
  const out = new Map<string, Set<string>>();
  for (const u of techniques) out.set(u.actor, new Set(u.techniques.keys()));
  for (const [actor, items] of software) {
    const set = out.get(actor);
    if (set) for (const s of items) set.add(s);
    else out.set(actor, new Set(items));
  }
  return out;
}
