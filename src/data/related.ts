import { z } from 'zod';
import type { Query, ReadExecutor } from '../neo4j/executor.ts';
import {
  active,
  nodeRow,
  orderBy,
  type Page,
  project,
  type Visibility,
  visibilityParams,
  visible,
  type Window,
} from './rows.ts';

/** How a usage was found: the object's own `uses`, its attributed campaigns' or its software's. */
export const VIAS = ['DIRECT', 'CAMPAIGN', 'SOFTWARE'] as const;
export type Via = (typeof VIAS)[number];

/** One item of a related list: the node, plus what the relationship says about it. */
export const relatedItem = z.object({
  node: nodeRow,
  description: z.string().nullish(),
  referencesJson: z.string().nullish(),
  via: z.array(z.enum(VIAS)).nullish(),
  techniques: z.array(nodeRow).nullish(),
  subtechniques: z.array(nodeRow).nullish(),
  name: z.string().nullish(),
  channel: z.string().nullish(),
});
export type RelatedItem = z.infer<typeof relatedItem>;

const pageRow = z.object({ id: z.string(), totalCount: z.number().int(), items: z.array(relatedItem) });

/**
 * Wraps a per-parent `body` (which sees `p` and returns one row: `items`, in order) into one
 * query for a whole batch of parents: paging and counting happen per parent, in the same query.
 */
export const batched = (name: string, body: string): Query => ({
  name,
  cypher: `
UNWIND $ids AS id
MATCH (p:AttackObject {stixId: id})
CALL (p) {${body}}
RETURN id, size(items) AS totalCount, items[toInteger($offset)..toInteger($offset) + toInteger($limit)] AS items`,
});

const USE_EDGE = ', description: r.description, referencesJson: r.referencesJson';

/** Nodes `n` one `match` away from `p`; `r` (when bound) is the relationship whose text the edge keeps. */
function simple(match: string, edge = '', where = ''): string {
  const rel = edge ? ` AND ${active('r')}` : '';
  return `
  MATCH ${match}
  WHERE ${visible('n')}${rel}${where ? ` AND ${where}` : ''}
  WITH ${edge ? 'n, head(collect(r)) AS r' : 'DISTINCT n'}
  ORDER BY ${orderBy('n')}
  RETURN collect({node: ${project('n')}${edge}}) AS items`;
}

/** Distinct nodes `n` that any of the `branches` (each `MATCH ... RETURN n` from `p`) finds. */
const anyOf = (...branches: string[]) => `
  CALL (p) {
    ${branches.join('\n    UNION\n    ')}
  }
  WITH DISTINCT n WHERE ${visible('n')}
  ORDER BY ${orderBy('n')}
  RETURN collect({node: ${project('n')}}) AS items`;

/** Data components that detect technique `p`: directly, or through a detection strategy's analytics. */
const TECHNIQUE_DATA_COMPONENTS = anyOf(
  'MATCH (p)<-[:DETECTS]-(n:DataComponent) RETURN n',
  `MATCH (p)<-[:DETECTS]-(s:DetectionStrategy)-[:HAS_ANALYTIC]->(a:Analytic)-[:LOGS_FROM]->(n:DataComponent)
    WHERE ${active('s')} AND ${active('a')}
    RETURN n`,
);

/** Techniques data component `p` detects: directly, or through analytics that log from it. */
const DATA_COMPONENT_TECHNIQUES = anyOf(
  'MATCH (p)-[:DETECTS]->(n:Technique) RETURN n',
  `MATCH (p)<-[:LOGS_FROM]-(a:Analytic)<-[:HAS_ANALYTIC]-(s:DetectionStrategy)-[:DETECTS]->(n:Technique)
    WHERE ${active('s')} AND ${active('a')}
    RETURN n`,
);

const ANALYTIC_LOG_SOURCES = `
  MATCH (p)-[r:LOGS_FROM]->(n:DataComponent)
  WHERE ${visible('n')}
  WITH n, r ORDER BY ${orderBy('n')}, r.name, r.channel
  RETURN collect({node: ${project('n')}, name: r.name, channel: r.channel}) AS items`;

const MATRIX_TACTICS = `
  MATCH (p)-[r:HAS_TACTIC]->(n:Tactic)
  WHERE ${visible('n')}
  WITH n, r ORDER BY r.order, ${orderBy('n')}
  RETURN collect({node: ${project('n')}}) AS items`;

/** The objects that replaced `p`, hop by hop, ending with the current replacement. */
const REVOCATION_CHAIN = `
  OPTIONAL MATCH path = (p)-[:REVOKED_BY*1..32]->(n:AttackObject)
  WHERE NOT (n)-[:REVOKED_BY]->()
  WITH path ORDER BY length(path) DESC LIMIT 1
  RETURN CASE WHEN path IS NULL THEN [] ELSE [x IN tail(nodes(path)) | {node: ${project('x')}}] END AS items`;

const SPECS = {
  'tactic.techniques': simple(
    '(p)<-[:IN_TACTIC]-(n:Technique)',
    '',
    '($includeSubtechniques OR NOT coalesce(n.isSubtechnique, false))',
  ),
  'technique.tactics': simple('(p)-[:IN_TACTIC]->(n:Tactic)'),
  'technique.parent': simple('(p)-[:SUBTECHNIQUE_OF]->(n:Technique)'),
  'technique.subtechniques': simple('(p)<-[:SUBTECHNIQUE_OF]-(n:Technique)'),
  'technique.software': simple('(p)<-[r:USES]-(n:Software)', USE_EDGE),
  'technique.campaigns': simple('(p)<-[r:USES]-(n:Campaign)', USE_EDGE),
  'technique.mitigations': simple('(p)<-[r:MITIGATES]-(n:Mitigation)', USE_EDGE),
  'technique.detectionStrategies': simple('(p)<-[:DETECTS]-(n:DetectionStrategy)'),
  'technique.dataComponents': TECHNIQUE_DATA_COMPONENTS,
  'technique.targets': simple('(p)-[:TARGETS]->(n:Asset)'),
  'group.software': simple('(p)-[r:USES]->(n:Software)', USE_EDGE),
  'group.campaigns': simple('(p)<-[:ATTRIBUTED_TO]-(n:Campaign)'),
  'software.groups': simple('(p)<-[r:USES]-(n:Group)', USE_EDGE),
  'software.campaigns': simple('(p)<-[r:USES]-(n:Campaign)', USE_EDGE),
  'mitigation.techniques': simple('(p)-[r:MITIGATES]->(n:Technique)', USE_EDGE),
  'campaign.software': simple('(p)-[r:USES]->(n:Software)', USE_EDGE),
  'campaign.groups': simple('(p)-[:ATTRIBUTED_TO]->(n:Group)'),
  'detectionStrategy.analytics': simple('(p)-[:HAS_ANALYTIC]->(n:Analytic)'),
  'detectionStrategy.techniques': simple('(p)-[:DETECTS]->(n:Technique)'),
  'analytic.detectionStrategies': simple('(p)<-[:HAS_ANALYTIC]-(n:DetectionStrategy)'),
  'analytic.logSources': ANALYTIC_LOG_SOURCES,
  'dataComponent.dataSource': simple('(p)-[:PART_OF]->(n:DataSource)'),
  'dataComponent.analytics': simple('(p)<-[:LOGS_FROM]-(n:Analytic)'),
  'dataComponent.techniques': DATA_COMPONENT_TECHNIQUES,
  'dataSource.dataComponents': simple('(p)<-[:PART_OF]-(n:DataComponent)'),
  'asset.techniques': simple('(p)<-[:TARGETS]-(n:Technique)'),
  'matrix.tactics': MATRIX_TACTICS,
  'object.revocationChain': REVOCATION_CHAIN,
};
export type Relation = keyof typeof SPECS;

/** One named query per relation, built once from the constant table above. */
export const RELATED = Object.fromEntries(
  Object.entries(SPECS).map(([name, body]) => [name, batched(`related.${name}`, body)]),
) as Record<Relation, Query>;

export interface RelatedOptions extends Visibility, Window {
  includeSubtechniques?: boolean | null;
  via?: readonly Via[] | null;
  rollUp?: boolean | null;
}

/** Runs one relation's query for a batch of parents; pages line up with `ids` (empty for unknown ids). */
export async function fetchPages(
  db: ReadExecutor,
  query: Query,
  ids: readonly string[],
  options: RelatedOptions,
): Promise<Page<RelatedItem>[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const rows = await db.read(query, {
    ids: unique,
    ...visibilityParams(options),
    offset: options.offset,
    limit: options.limit,
    includeSubtechniques: options.includeSubtechniques ?? false,
    via: options.via ?? ['DIRECT'],
    rollUp: options.rollUp ?? false,
  });
  const byId = new Map(
    rows.map((row) => {
      const page = pageRow.parse(row);
      return [page.id, { totalCount: page.totalCount, items: page.items }] as const;
    }),
  );
  return ids.map((id) => byId.get(id) ?? { totalCount: 0, items: [] });
}

export const fetchRelated = (
  db: ReadExecutor,
  relation: Relation,
  ids: readonly string[],
  options: RelatedOptions,
) => fetchPages(db, RELATED[relation], ids, options);
