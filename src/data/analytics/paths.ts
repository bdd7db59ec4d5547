import { z } from 'zod';
import type { RelType } from '../../model.ts';
import type { Query, ReadExecutor } from '../../neo4j/executor.ts';
import { type Domain, idOf, type ReleaseArg, releaseParams, stixIdsOf } from '../rows.ts';
import { activeInDomain, entry } from './common.ts';

/** The longest path `paths` searches; a variable-length bound cannot be a parameter, so one query per bound. */
export const MAX_HOPS = 6;

/** Relationship types a path may follow by default: all but matrix layout and revocation. */
export const PATH_TYPES = [
  'USES',
  'MITIGATES',
  'DETECTS',
  'HAS_ANALYTIC',
  'LOGS_FROM',
  'ATTRIBUTED_TO',
  'SUBTECHNIQUE_OF',
  'IN_TACTIC',
  'TARGETS',
  'PART_OF',
] as const satisfies readonly RelType[];
export type PathType = (typeof PATH_TYPES)[number];

const shortest = (hops: number, named: boolean): Query => ({
  name: `analytics.shortestPaths.${hops}`,
  cypher: `
MATCH (a:AttackObject {stixId: $from}), (b:AttackObject {stixId: $to})
WHERE ${entry('a', named)} AND ${entry('b', named)}
MATCH p = allShortestPaths((a)-[*..${hops}]-(b))
WHERE all(r IN relationships(p) WHERE type(r) IN $types AND NOT coalesce(r.revoked, false) AND NOT coalesce(r.deprecated, false))
  AND all(n IN nodes(p) WHERE ${activeInDomain('n')})
WITH p LIMIT toInteger($limit)
RETURN [n IN nodes(p) | ${idOf('n', named)}] AS nodes,
       [r IN relationships(p) | {type: type(r), from: ${idOf('startNode(r)', named)}, to: ${idOf('endNode(r)', named)},
         description: r.description, referencesJson: r.referencesJson, name: r.name, channel: r.channel}] AS relationships`,
});

/**
 * One query per hop bound, 1..MAX_HOPS, and per case of `inRelease`; the bound comes from this
 * table, never from input text.
 */
export const SHORTEST_PATHS: Record<'current' | 'named', Record<number, Query>> = {
  current: Object.fromEntries(Array.from({ length: MAX_HOPS }, (_, i) => [i + 1, shortest(i + 1, false)])),
  named: Object.fromEntries(Array.from({ length: MAX_HOPS }, (_, i) => [i + 1, shortest(i + 1, true)])),
};

const text = z.string().nullish();
const pathRow = z.object({
  nodes: z.array(z.string()),
  relationships: z.array(
    z.object({
      type: z.string(),
      from: z.string(),
      to: z.string(),
      description: text,
      referencesJson: text,
      name: text,
      channel: text,
    }),
  ),
});
export type PathRow = z.infer<typeof pathRow>;

export async function fetchShortestPaths(
  db: ReadExecutor,
  args: {
    from: string;
    to: string;
    hops: number;
    limit: number;
    types: readonly PathType[];
    domain: Domain | null;
    release?: ReleaseArg;
  },
): Promise<PathRow[]> {
  const query = SHORTEST_PATHS[args.release == null ? 'current' : 'named'][args.hops];
  if (!query) throw new RangeError(`hops must be 1..${MAX_HOPS}`);
  const [from, to] = stixIdsOf([args.from, args.to]);
  const rows = await db.read(query, {
    ...releaseParams(args.release),
    from,
    to,
    limit: args.limit,
    types: args.types,
    domain: args.domain,
  });
  return rows.map((r) => pathRow.parse(r));
}
