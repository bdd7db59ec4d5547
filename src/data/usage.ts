import { family, itemOf, type PerItem, pageOf, projectItem, type Reads, useText } from './related.ts';
import { active, orderBy, usagePaths, type Via, viasIn, visible } from './rows.ts';

/*
 * Usage inferred along `uses` (see `usagePaths`), as related lists: only the paths `via` asks for
 * are written into a shape. Each edge's extras (the paths that found it, the procedure text, the
 * techniques behind it) are read only when selected.
 */

/**
 * The nodes `t` of each `n`'s rows as the list `as` an edge carries (none equal to `exclude`), in
 * the stable order: the rows, carrying `vars`, are sorted by `t` first (`sortedByT`), and
 * `collect(DISTINCT t)` keeps the order in which they arrive. One sort of all rows, not one per `n`.
 */
const sortedByT = (vars: string) => `
  WITH ${vars} ORDER BY ${orderBy('t')}`;
const nodesOfT = (as: string, exclude: string | null, keys: NonNullable<Reads['techniques']>) =>
  `[x IN collect(DISTINCT t)${exclude ? ` WHERE x <> ${exclude}` : ''} | ${projectItem('x', keys)}] AS ${as}`;

/** `WITH n, <aggregates>`, or `WITH DISTINCT n` when none is needed. */
const withAggregates = (aggregates: (string | false)[]) => {
  const kept = aggregates.filter((a): a is string => a !== false);
  return kept.length > 0 ? `WITH n, ${kept.join(', ')}` : 'WITH DISTINCT n';
};

/** Techniques actor `p` (group, campaign or software) uses; `$rollUp` reports sub-techniques under their parent. */
const ACTOR_TECHNIQUES_BODY = (reads: Reads, _per?: PerItem, paths?: readonly Via[]) => {
  const text = reads.text || reads.references;
  const vars = [
    'n',
    ...(reads.via ? ['found'] : []),
    ...(text ? ['r'] : []),
    ...(reads.subtechniques ? ['subtechniques'] : []),
  ];
  return `
  CALL (p) {
    ${usagePaths({ actor: 'p', target: 't:Technique', returns: 't', paths, withUse: text })}
  }
  WITH t, via${text ? ', r' : ''} WHERE ${visible('t')}
  OPTIONAL MATCH (t)-[:SUBTECHNIQUE_OF]->(parent:Technique) WHERE $rollUp
  WITH coalesce(parent, t) AS n, t, via${text ? ', r' : ''}
  WHERE ${visible('n')}${reads.subtechniques ? sortedByT(`n, t, via${text ? ', r' : ''}`) : ''}
  ${withAggregates([
    reads.via && 'collect(DISTINCT via) AS found',
    !!reads.subtechniques && nodesOfT('subtechniques', 'n', reads.subtechniques),
    text && 'head([x IN collect({t: t, r: r}) WHERE x.t = n AND x.r IS NOT NULL | x.r]) AS r',
  ])}
  ${pageOf(
    reads,
    vars,
    itemOf('n', reads, {
      via: reads.via && viasIn('found'),
      subtechniques: !!reads.subtechniques && 'subtechniques',
      ...useText(reads),
    }),
  )}`;
};

/** Groups that use technique `p`. */
const TECHNIQUE_GROUPS_BODY = (reads: Reads, _per?: PerItem, paths?: readonly Via[]) => {
  const text = reads.text || reads.references;
  return `
  CALL (p) {
    ${usagePaths({ actor: 'n:Group', target: 'p', returns: 'n', paths, withUse: text })}
  }
  WITH n, via${text ? ', r' : ''} WHERE ${visible('n')}
  ${withAggregates([reads.via && 'collect(DISTINCT via) AS found', text && 'head(collect(r)) AS r'])}
  ${pageOf(
    reads,
    ['n', ...(reads.via ? ['found'] : []), ...(text ? ['r'] : [])],
    itemOf('n', reads, {
      via: reads.via && viasIn('found'),
      ...useText(reads),
    }),
  )}`;
};

/** Groups that use any current technique or sub-technique of tactic `p`, with those techniques. */
const TACTIC_GROUPS_BODY = (reads: Reads, _per?: PerItem, paths?: readonly Via[]) => `
  MATCH (p)<-[:IN_TACTIC]-(t:Technique)
  WHERE ${active('t')}
  CALL (t) {
    ${usagePaths({ actor: 'n:Group', target: 't', returns: 'n', paths })}
  }
  WITH n, t, via WHERE ${visible('n')}${reads.techniques ? sortedByT('n, t, via') : ''}
  ${withAggregates([
    reads.via && 'collect(DISTINCT via) AS found',
    !!reads.techniques && nodesOfT('techniques', null, reads.techniques),
  ])}
  ${pageOf(
    reads,
    ['n', ...(reads.via ? ['found'] : []), ...(reads.techniques ? ['techniques'] : [])],
    itemOf('n', reads, {
      via: reads.via && viasIn('found'),
      techniques: !!reads.techniques && 'techniques',
    }),
  )}`;

export const USAGE = {
  actorTechniques: family('usage.actorTechniques', ACTOR_TECHNIQUES_BODY),
  techniqueGroups: family('usage.techniqueGroups', TECHNIQUE_GROUPS_BODY),
  tacticGroups: family('usage.tacticGroups', TACTIC_GROUPS_BODY),
};
