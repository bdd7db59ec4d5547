import { z } from 'zod';
import type { Query, ReadExecutor } from '../neo4j/executor.ts';
import { q } from './rows.ts';

/*
 * Sigma rules (imported by `npm run import -- sigma:…`, import/sigma/). Rules are not per ATT&CK
 * release: each keeps the technique IDs and tactic shortnames its tags name (`techniqueIds`,
 * `tacticShortnames`), and callers join them to the techniques of the release they read by
 * `attackId`. A rule counts for exactly the IDs its tags name: a rule tagged T1003 is not a rule
 * of T1003.001, nor the reverse (coverage decides whether a parent's rule counts for more).
 */

export const SIGMA_RULE_FIELDS = [
  'key',
  'pack',
  'ruleId',
  'title',
  'status',
  'level',
  'description',
  'author',
  'date',
  'modified',
  'product',
  'category',
  'service',
  'path',
  'tags',
  'techniqueIds',
  'tacticShortnames',
] as const;
export type SigmaRuleField = (typeof SIGMA_RULE_FIELDS)[number];

const text = z.string().nullable().default(null);
const list = z
  .array(z.string())
  .nullable()
  .transform((v) => v ?? []);
export const sigmaRuleRow = z.object({
  key: z.string(),
  pack: z.string(),
  ruleId: text,
  title: z.string().default(''),
  status: text,
  level: text,
  description: text,
  author: text,
  date: text,
  modified: text,
  product: text,
  category: text,
  service: text,
  path: z.string().default(''),
  tags: list.default([]),
  techniqueIds: list.default([]),
  tacticShortnames: list.default([]),
});
/** A rule as read; fields that were not asked for are null or empty (see `fields`). */
export type SigmaRuleRow = z.infer<typeof sigmaRuleRow>;

/** Which rules count: each given list matches any of its values; `path` is a prefix of the rule's path. */
export interface SigmaRuleFilter {
  product?: readonly string[] | string | null;
  level?: readonly string[] | string | null;
  status?: readonly string[] | string | null;
  path?: string | null;
  pack?: readonly string[] | string | null;
}

/** The filter's clauses, fixed text: only which ones apply varies. */
const CLAUSES = {
  product: 'r.product IN $product',
  level: 'r.level IN $level',
  status: 'r.status IN $status',
  pack: 'r.pack IN $pack',
  path: 'r.path STARTS WITH $path',
} as const;
type ClauseKey = keyof typeof CLAUSES;

const asList = (v: readonly string[] | string | null | undefined) =>
  v == null ? null : typeof v === 'string' ? [v] : v.length ? [...v] : null;

/** The filter as parameters, and the clauses that apply (absent and empty filters match every rule). */
export function filterParams(filter: SigmaRuleFilter = {}) {
  const params: Record<ClauseKey, unknown> = {
    product: asList(filter.product),
    level: asList(filter.level),
    status: asList(filter.status),
    pack: asList(filter.pack),
    path: filter.path || null,
  };
  const keys = (Object.keys(CLAUSES) as ClauseKey[]).filter((k) => params[k] != null);
  return { params, keys };
}

/** `key` and `pack` identify a rule, and `techniqueIds` lines rules up with techniques: always read. */
function projectionOf(fields: readonly SigmaRuleField[]) {
  const wanted = new Set<SigmaRuleField>(['key', 'pack', 'techniqueIds', ...fields]);
  return SIGMA_RULE_FIELDS.filter((f) => wanted.has(f))
    .map((f) => `${f}: r.${f}`)
    .join(', ');
}

const queries = new Map<string, Query>();
/** One query per shape (filters that apply, fields read, by technique or all): built once, named. */
function rulesQuery(
  byTechnique: boolean,
  keys: readonly ClauseKey[],
  fields: readonly SigmaRuleField[],
): Query {
  const projection = projectionOf(fields);
  const id = `${byTechnique}|${keys.join(',')}|${projection}`;
  let query = queries.get(id);
  if (!query) {
    const where = [
      ...(byTechnique ? ['any(id IN r.techniqueIds WHERE id IN $ids)'] : []),
      ...keys.map((k) => CLAUSES[k]),
    ];
    query = q(
      byTechnique ? 'sigma.rulesByTechnique' : 'sigma.rules',
      `MATCH (r:SigmaRule)${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
       RETURN r {${projection}} AS rule ORDER BY r.pack, r.key`,
    );
    queries.set(id, query);
  }
  return query;
}

const parseRules = (rows: readonly Record<string, unknown>[]) => rows.map((r) => sigmaRuleRow.parse(r.rule));

/**
 * The rules whose tags name each technique ID (exactly that ID), filtered; one query for all IDs.
 * Every ID asked for is a key of the answer (an empty list when no rule names it). `fields` narrows
 * what is read (default: everything).
 */
export async function rulesByTechnique(
  db: ReadExecutor,
  techniqueIds: readonly string[],
  filter: SigmaRuleFilter = {},
  fields: readonly SigmaRuleField[] = SIGMA_RULE_FIELDS,
): Promise<Map<string, SigmaRuleRow[]>> {
  const ids = [...new Set(techniqueIds)];
  const out = new Map<string, SigmaRuleRow[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const { params, keys } = filterParams(filter);
  const rules = parseRules(await db.read(rulesQuery(true, keys, fields), { ...params, ids }));
  for (const rule of rules) for (const id of rule.techniqueIds) out.get(id)?.push(rule);
  return out;
}

/** Every rule the filter matches, in (pack, key) order. */
export async function fetchRules(
  db: ReadExecutor,
  filter: SigmaRuleFilter = {},
  fields: readonly SigmaRuleField[] = SIGMA_RULE_FIELDS,
): Promise<SigmaRuleRow[]> {
  const { params, keys } = filterParams(filter);
  return parseRules(await db.read(rulesQuery(false, keys, fields), params));
}

export const SIGMA_RULES_BY_KEY = q(
  'sigma.rulesByKey',
  `UNWIND $refs AS ref
   MATCH (r:SigmaRule {pack: ref.pack, key: ref.key})
   RETURN r {.*} AS rule`,
);

/** Rules by (pack, key), in the order asked; null where none is. */
export async function rulesByKey(
  db: ReadExecutor,
  refs: readonly { pack: string; key: string }[],
): Promise<(SigmaRuleRow | null)[]> {
  if (refs.length === 0) return [];
  const rules = parseRules(await db.read(SIGMA_RULES_BY_KEY, { refs }));
  const found = new Map(rules.map((r) => [`${r.pack}\0${r.key}`, r]));
  return refs.map((r) => found.get(`${r.pack}\0${r.key}`) ?? null);
}

export const RULE_PACKS = q(
  'sigma.rulePacks',
  `MATCH (p:RulePack)
   RETURN p.name AS name, p.source AS source, p.sha256 AS sha256, p.importedAt AS importedAt,
          p.ruleCount AS ruleCount
   ORDER BY name`,
);

export const rulePackRow = z.object({
  name: z.string(),
  source: z.string(),
  sha256: z.string(),
  importedAt: z.string(),
  ruleCount: z.number(),
});
export type RulePackRow = z.infer<typeof rulePackRow>;

export async function fetchRulePacks(db: ReadExecutor): Promise<RulePackRow[]> {
  return (await db.read(RULE_PACKS)).map((r) => rulePackRow.parse(r));
}
