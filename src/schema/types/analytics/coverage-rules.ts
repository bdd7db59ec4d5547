import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import type { Context } from '../../../context.ts';
import { fetchGapDetection } from '../../../data/analytics/gap-detection.ts';
import { type AtomicField, atomicTestsByTechnique } from '../../../data/atomic.ts';
import { fetchRules, type SigmaRuleFilter, type SigmaRuleRow } from '../../../data/sigma.ts';
import { formatSigmaProblem, parseSigmaFiles } from '../../../sigma/parse.ts';
import { builder } from '../../builder.ts';
import { Technique } from '../refs.ts';
import { SigmaRule, SigmaRuleFilterInput } from '../sigma.ts';
import { loadNode } from './common.ts';

/*
 * Coverage fed by Sigma rules: the imported rules (all, or filtered), or rule files sent with the
 * request. The rules' technique IDs are the detected set. A rule on a sub-technique covers that
 * sub-technique; a rule on a parent covers the parent only, unless `parentCoversSubtechniques`
 * says otherwise (a parent's rule usually looks for one procedure, not every variant).
 */

export interface RuleSet {
  /** How many rules are in the set. */
  count: number;
  /** The rules per technique ID their tags name. */
  byTechnique: Map<string, SigmaRuleRow[]>;
}

export const SigmaRuleFileInput = builder.inputType('SigmaRuleFile', {
  description: 'A Sigma rule file sent with the request: its name (errors name it) and its YAML text.',
  fields: (t) => ({
    path: t.string({ required: true, description: 'The file name, such as `rules/win_lsass_access.yml`.' }),
    text: t.string({ required: true, description: 'The YAML text; several documents are several rules.' }),
  }),
});

export const ruleSetArgs = builder.args((t) => ({
  rules: t.field({
    type: SigmaRuleFilterInput,
    required: false,
    description:
      'Measure the imported Sigma rules this filter matches (`{}`: all of them) instead of `detected`.',
  }),
  ruleFiles: t.field({
    type: [SigmaRuleFileInput],
    required: false,
    description:
      'Measure these Sigma rule files instead of `detected`; a file that is not a Sigma rule, or a malformed ' +
      'tag, is a BAD_USER_INPUT error naming the file, line and field.',
  }),
}));

function setOf(rules: readonly SigmaRuleRow[]): RuleSet {
  const byTechnique = new Map<string, SigmaRuleRow[]>();
  for (const rule of rules)
    for (const id of rule.techniqueIds) byTechnique.set(id, [...(byTechnique.get(id) ?? []), rule]);
  return { count: rules.length, byTechnique };
}

/** The rule set named by the arguments, or null when coverage is asked of technique IDs. */
export async function ruleSetOf(
  ctx: Context,
  args: { rules?: SigmaRuleFilter | null; ruleFiles?: readonly { path: string; text: string }[] | null },
): Promise<RuleSet | null> {
  if (args.ruleFiles) {
    const parsed = parseSigmaFiles(args.ruleFiles);
    const [first] = parsed.problems;
    if (first)
      throw new GraphQLError(`ruleFiles: ${parsed.problems.map(formatSigmaProblem).join('; ')}`, {
        extensions: { code: 'BAD_USER_INPUT', file: first.path, line: first.line, field: first.field },
      });
    return setOf(parsed.rules.map((r) => ({ ...r, pack: 'upload' })));
  }
  if (args.rules) return setOf(await fetchRules(ctx.db, args.rules));
  return null;
}

export interface CoveredShape {
  technique: string;
  rules: SigmaRuleRow[];
}

export const CoveredTechnique = builder.objectRef<CoveredShape>('CoveredTechnique').implement({
  description: 'A covered technique, with the rules that cover it (when coverage is measured from rules).',
  fields: (t) => ({
    technique: t.field({
      type: Technique,
      description: 'The technique.',
      resolve: (c, _args, ctx) => loadNode(ctx, c.technique),
    }),
    rules: t.field({
      type: [SigmaRule],
      description:
        'The rules that cover it: its own, and its parent`s when `parentCoversSubtechniques` is true, or its ' +
        'sub-techniques` when all of them are covered. Empty for coverage from `detected` IDs.',
      resolve: (c) => c.rules,
    }),
  }),
});

/**
 * A per-request DataLoader keyed `<scope JSON>\0<ATT&CK ID>`: the keys of one scope (release,
 * platform, fields read) are read together, one query per scope and level.
 */
function scopedLoader<Scope, Row>(
  read: (ctx: Context, ids: string[], scope: Scope) => Promise<Map<string, Row[]>>,
) {
  return createContextCache(
    (ctx: Context) =>
      new DataLoader(async (keys: readonly string[]) => {
        const groups = new Map<string, string[]>();
        for (const k of keys) {
          const [scope = '', id = ''] = k.split('\0');
          groups.set(scope, [...(groups.get(scope) ?? []), id]);
        }
        const found = new Map<string, Row[]>();
        await Promise.all(
          [...groups].map(async ([scope, ids]) => {
            const rows = await read(ctx, ids, JSON.parse(scope) as Scope);
            for (const [id, list] of rows) found.set(`${scope}\0${id}`, list);
          }),
        );
        return keys.map((k) => found.get(k) ?? []);
      }),
  );
}

/** Gap detection per (release, platform) and technique: one query per level. */
export const gapDetection = scopedLoader(
  (ctx, ids, scope: { release: string | null; platform: string | null }) =>
    fetchGapDetection(ctx.db, ids, scope),
);

/** A gap's Atomic tests per (platform, fields read) and technique ID. */
const gapTests = scopedLoader(
  (ctx, ids, { platform, fields }: { platform: string | null; fields: AtomicField[] }) =>
    atomicTestsByTechnique(ctx.db, ids, platform, fields),
);

/** The Atomic tests that exercise a gap (exactly its ATT&CK ID), on `platform` when given. */
export const loadGapTests = (
  ctx: Context,
  attackId: string,
  platform: string | null,
  fields: AtomicField[],
) => gapTests(ctx).load(`${JSON.stringify({ platform, fields })}\0${attackId}`);
