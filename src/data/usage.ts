import type { Query } from '../neo4j/executor.ts';
import { batched } from './related.ts';
import { active, orderBy, project, visible } from './rows.ts';

/*
 * Usage inferred along `uses`: DIRECT is the object's own relationship; CAMPAIGN goes through the
 * campaigns attributed to a group; SOFTWARE goes through the software the object uses. Objects in
 * the middle of a path must be current (neither revoked nor deprecated). `$via` picks the paths.
 */

const VIA_LIST = "['DIRECT', 'CAMPAIGN', 'SOFTWARE']";
const vias = (collected: string) => `[v IN ${VIA_LIST} WHERE v IN ${collected}]`;

/** Techniques actor `p` (group, campaign or software) uses; `$rollUp` reports sub-techniques under their parent. */
const ACTOR_TECHNIQUES = `
  CALL (p) {
    MATCH (p)-[r:USES]->(t:Technique)
    WHERE 'DIRECT' IN $via AND ${active('r')}
    RETURN t, 'DIRECT' AS via, r
    UNION
    MATCH (p)<-[a:ATTRIBUTED_TO]-(c:Campaign)-[r:USES]->(t:Technique)
    WHERE 'CAMPAIGN' IN $via AND ${active('c')} AND ${active('a')} AND ${active('r')}
    RETURN t, 'CAMPAIGN' AS via, null AS r
    UNION
    MATCH (p)-[u:USES]->(s:Software)-[r:USES]->(t:Technique)
    WHERE 'SOFTWARE' IN $via AND ${active('s')} AND ${active('u')} AND ${active('r')}
    RETURN t, 'SOFTWARE' AS via, null AS r
  }
  WITH t, via, r WHERE ${visible('t')}
  OPTIONAL MATCH (t)-[:SUBTECHNIQUE_OF]->(parent:Technique) WHERE $rollUp
  WITH coalesce(parent, t) AS n, t, via, r
  WHERE ${visible('n')}
  WITH n, collect(DISTINCT via) AS found, collect(DISTINCT t) AS ts,
       head([x IN collect({t: t, r: r}) WHERE x.t = n AND x.r IS NOT NULL | x.r]) AS r
  CALL (n, ts) {
    UNWIND ts AS s
    WITH s WHERE s <> n
    ORDER BY ${orderBy('s')}
    RETURN collect(${project('s')}) AS subtechniques
  }
  WITH n, found, r, subtechniques ORDER BY ${orderBy('n')}
  RETURN collect({
    node: ${project('n')}, via: ${vias('found')}, subtechniques: subtechniques,
    description: r.description, referencesJson: r.referencesJson
  }) AS items`;

/** Groups that use one technique `t`, each with the path that found it. */
const GROUPS_USING = (t: string) => `
  CALL (${t}) {
    MATCH (${t})<-[r:USES]-(n:Group)
    WHERE 'DIRECT' IN $via AND ${active('r')}
    RETURN n, 'DIRECT' AS via, r
    UNION
    MATCH (${t})<-[r:USES]-(c:Campaign)-[a:ATTRIBUTED_TO]->(n:Group)
    WHERE 'CAMPAIGN' IN $via AND ${active('c')} AND ${active('a')} AND ${active('r')}
    RETURN n, 'CAMPAIGN' AS via, null AS r
    UNION
    MATCH (${t})<-[r:USES]-(s:Software)<-[u:USES]-(n:Group)
    WHERE 'SOFTWARE' IN $via AND ${active('s')} AND ${active('u')} AND ${active('r')}
    RETURN n, 'SOFTWARE' AS via, null AS r
  }`;

/** Groups that use technique `p`. */
const TECHNIQUE_GROUPS = `
  ${GROUPS_USING('p')}
  WITH n, via, r WHERE ${visible('n')}
  WITH n, collect(DISTINCT via) AS found, head(collect(r)) AS r
  ORDER BY ${orderBy('n')}
  RETURN collect({
    node: ${project('n')}, via: ${vias('found')}, description: r.description, referencesJson: r.referencesJson
  }) AS items`;

/** Groups that use any current technique or sub-technique of tactic `p`, with those techniques. */
const TACTIC_GROUPS = `
  MATCH (p)<-[:IN_TACTIC]-(t:Technique)
  WHERE ${active('t')}
  ${GROUPS_USING('t')}
  WITH n, t, via WHERE ${visible('n')}
  WITH n, collect(DISTINCT via) AS found, collect(DISTINCT t) AS ts
  CALL (ts) {
    UNWIND ts AS x
    WITH x ORDER BY ${orderBy('x')}
    RETURN collect(${project('x')}) AS techniques
  }
  WITH n, found, techniques ORDER BY ${orderBy('n')}
  RETURN collect({node: ${project('n')}, via: ${vias('found')}, techniques: techniques}) AS items`;

export const USAGE = {
  actorTechniques: batched('usage.actorTechniques', ACTOR_TECHNIQUES),
  techniqueGroups: batched('usage.techniqueGroups', TECHNIQUE_GROUPS),
  tacticGroups: batched('usage.tacticGroups', TACTIC_GROUPS),
} satisfies Record<string, Query>;
