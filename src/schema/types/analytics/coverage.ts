import { computeCoverage, usersWithSubtechniques } from '../../../analytics/coverage.ts';
import type { Context } from '../../../context.ts';
import type { TacticRow } from '../../../data/analytics/common.ts';
import type { Domain } from '../../../data/rows.ts';
import { builder } from '../../builder.ts';
import { AtomicTest, selectedAtomicFields } from '../atomic.ts';
import { badInput, DomainEnum } from '../common.ts';
import { DataComponent, Group, Tactic, Technique } from '../refs.ts';
import { checkRelease } from '../release.ts';
import { resolveKeysOf } from './cards.ts';
import {
  checkList,
  filtersOf,
  loadNode,
  loadNodes,
  MAX_INPUT_IDS,
  MAX_TECHNIQUE_IDS,
  type UsageFilterArgs,
  unknownIdsField,
  usageFilterArgs,
} from './common.ts';
import {
  type CoveredShape,
  CoveredTechnique,
  gapDetection,
  loadGapTests,
  type RuleSet,
  ruleSetArgs,
  ruleSetOf,
} from './coverage-rules.ts';
import { catalogOf, tacticsOf, usageOf } from './data.ts';
import { ChainLogSource } from './detection.ts';

/** Where a gap's detection data is read: the coverage's release and platform. */
interface Scope {
  release: string | null;
  platform: string | null;
}

interface GapShape {
  technique: string;
  attackId: string | null;
  groups: string[];
  scope: Scope;
}
interface TacticShape {
  tactic: TacticRow;
  covered: string[];
  coveredTechniques: CoveredShape[];
  partial: string[];
  uncovered: GapShape[];
  total: number;
  percent: number;
}
export interface CoverageShape {
  domain: Domain;
  total: number;
  covered: number;
  percent: number;
  groupCount: number;
  tactics: TacticShape[];
  unknownIds: string[];
  /** How many rules the coverage was measured from; null for `detected` IDs. */
  ruleCount: number | null;
  /** Internal, for the coverage layer: each technique's status and the ranking groups that use it. */
  status: ReadonlyMap<string, 'covered' | 'partial' | 'uncovered'>;
  users: ReadonlyMap<string, ReadonlySet<string>>;
}

const CoverageGap = builder.objectRef<GapShape>('CoverageGap').implement({
  description: 'A technique not covered, with the groups that use it.',
  fields: (t) => ({
    technique: t.field({
      type: Technique,
      description: 'The uncovered technique.',
      resolve: (g, _args, ctx) => loadNode(ctx, g.technique),
    }),
    groupCount: t.int({
      description: 'How many of the ranked groups use it (for a parent: it or any of its sub-techniques).',
      resolve: (g) => g.groups.length,
    }),
    groups: t.field({
      type: [Group],
      description: 'Those groups.',
      resolve: (g, _args, ctx) => loadNodes(ctx, g.groups),
    }),
    logSources: t.field({
      type: [ChainLogSource],
      description:
        'What would detect it: the data components and log sources (name, channel) of its detection ' +
        'strategies` analytics (of the platform, when one is given), and data components that detect it ' +
        'directly (releases before 18, with no name or channel). By data component ATT&CK ID.',
      resolve: (g, _args, ctx) => gapDetection(ctx).load(`${JSON.stringify(g.scope)}\0${g.technique}`),
    }),
    atomicTests: t.field({
      type: [AtomicTest],
      description:
        'The Atomic Red Team tests that exercise it (imported with `atomic:`; exactly its ATT&CK ID), on ' +
        '`platform` (default: the coverage`s platform, else every platform).',
      args: {
        platform: t.arg.string({ required: false, description: 'An ATT&CK or Atomic platform name.' }),
      },
      resolve: (g, args, ctx, info) =>
        g.attackId
          ? loadGapTests(
              ctx,
              g.attackId,
              args.platform?.trim() || g.scope.platform,
              selectedAtomicFields(info),
            )
          : [],
    }),
    dataComponents: t.field({
      type: [DataComponent],
      description: 'The distinct data components of `logSources`.',
      resolve: async (g, _args, ctx) => {
        const sources = await gapDetection(ctx).load(`${JSON.stringify(g.scope)}\0${g.technique}`);
        return [...new Set(sources.map((l) => l.dataComponent))];
      },
    }),
  }),
});

const TacticCoverage = builder.objectRef<TacticShape>('TacticCoverage').implement({
  description: 'Coverage of one tactic.',
  fields: (t) => ({
    tactic: t.field({
      type: Tactic,
      description: 'The tactic.',
      resolve: (c, _args, ctx) => loadNode(ctx, c.tactic.stixId),
    }),
    total: t.int({ description: 'How many techniques the tactic has (in scope).', resolve: (c) => c.total }),
    coveredCount: t.int({ description: 'How many of them are covered.', resolve: (c) => c.covered.length }),
    uncoveredCount: t.int({ description: 'How many are not.', resolve: (c) => c.uncovered.length }),
    percent: t.float({
      description: 'coveredCount / total × 100 (0 for an empty tactic).',
      resolve: (c) => c.percent,
    }),
    covered: t.field({
      type: [Technique],
      description: 'The covered techniques, by ATT&CK ID.',
      resolve: (c, _args, ctx) => loadNodes(ctx, c.covered),
    }),
    coveredTechniques: t.field({
      type: [CoveredTechnique],
      description: 'The covered techniques, by ATT&CK ID, each with the rules that cover it.',
      resolve: (c) => c.coveredTechniques,
    }),
    partial: t.field({
      type: [Technique],
      description: 'Uncovered parent techniques some (not all) of whose sub-techniques are covered.',
      resolve: (c, _args, ctx) => loadNodes(ctx, c.partial),
    }),
    uncovered: t.field({
      type: [CoverageGap],
      description: 'The uncovered techniques, most used by the ranked groups first, then by ATT&CK ID.',
      resolve: (c) => c.uncovered,
    }),
  }),
});

const Coverage = builder.objectRef<CoverageShape>('Coverage').implement({
  description: 'Detection coverage of the ATT&CK matrix, per tactic, with the gaps ranked by use.',
  fields: (t) => ({
    total: t.int({ description: 'How many distinct techniques are in scope.', resolve: (c) => c.total }),
    covered: t.int({ description: 'How many of them are covered.', resolve: (c) => c.covered }),
    percent: t.float({ description: 'covered / total × 100.', resolve: (c) => c.percent }),
    groupCount: t.int({
      description: 'How many groups the gaps are ranked by.',
      resolve: (c) => c.groupCount,
    }),
    tactics: t.field({
      type: [TacticCoverage],
      description: 'Per tactic, in matrix order.',
      resolve: (c) => c.tactics,
    }),
    unknownIds: t.stringList({ ...unknownIdsField, resolve: (c) => c.unknownIds }),
    ruleCount: t.int({
      nullable: true,
      description:
        'How many Sigma rules coverage was measured from (`rules` or `ruleFiles`); null for `detected`.',
      resolve: (c) => c.ruleCount,
    }),
  }),
});

/** Coverage reads usage as it is (no `rollUp`): a listed parent covers its sub-techniques instead. */
export interface CoverageInput extends Omit<UsageFilterArgs, 'rollUp'> {
  detected?: readonly string[] | null;
  rules?: Parameters<typeof ruleSetOf>[1]['rules'];
  ruleFiles?: Parameters<typeof ruleSetOf>[1]['ruleFiles'];
  groups?: readonly string[] | null;
  parentCoversSubtechniques?: boolean | null;
  includeSubtechniques?: boolean | null;
}

/** The coverage computation, shared by `coverageGaps` and the coverage layer. */
export async function computeCoverageResult(ctx: Context, args: CoverageInput): Promise<CoverageShape> {
  await checkRelease(ctx, args.release);
  const given = [args.detected, args.rules, args.ruleFiles].filter((x) => x != null).length;
  if (given !== 1) throw badInput('give exactly one of detected, rules and ruleFiles');
  checkList('detected', args.detected, MAX_TECHNIQUE_IDS);
  checkList('groups', args.groups, MAX_INPUT_IDS);
  const filters = { ...filtersOf(args), domain: args.domain ?? 'enterprise-attack', rollUp: false };
  const ruleSet = await ruleSetOf(ctx, args);
  const detectedIds = ruleSet ? [...ruleSet.byTechnique.keys()].sort() : (args.detected ?? []);
  // From rules, a parent's rule covers the parent only unless asked (see coverage-rules.ts).
  const parentCovers = args.parentCoversSubtechniques ?? !ruleSet;
  const [detected, groups, catalog, tactics, all] = await Promise.all([
    resolveKeysOf(ctx, detectedIds, ['Technique'], filters.domain, filters.release),
    args.groups
      ? resolveKeysOf(ctx, args.groups, ['Group'], filters.domain, filters.release)
      : Promise.resolve(null),
    catalogOf(ctx, filters),
    tacticsOf(ctx, filters.domain, filters.release),
    usageOf(ctx, ['GROUP'], filters),
  ]);
  const usage = groups ? await usageOf(ctx, ['GROUP'], filters, groups.ids) : all;
  const usedBy = usersWithSubtechniques(catalog.rows, usage.sets);
  const result = computeCoverage(
    catalog.rows,
    tactics.map((t) => t.shortname),
    new Set(detected.ids),
    usedBy,
    {
      parentCoversSubtechniques: parentCovers,
      includeSubtechniques: args.includeSubtechniques ?? true,
    },
  );
  const byShortname = new Map(tactics.map((t) => [t.shortname, t]));
  const scope: Scope = { release: filters.release ?? null, platform: filters.platform ?? null };
  const rulesOf = coveringRules(catalog.rows, ruleSet, parentCovers);
  return {
    domain: filters.domain,
    total: result.total,
    covered: result.covered,
    percent: result.percent,
    groupCount: groups ? groups.ids.length : usage.actors.length,
    tactics: result.perTactic.flatMap((c) => {
      const tactic = byShortname.get(c.tactic);
      if (!tactic) return [];
      return [
        {
          tactic,
          covered: c.covered,
          coveredTechniques: c.covered.map((technique) => ({ technique, rules: rulesOf(technique) })),
          partial: c.partial,
          uncovered: c.uncovered.map((technique) => ({
            technique,
            attackId: catalog.byId.get(technique)?.attackId ?? null,
            groups: [...(usedBy.get(technique) ?? [])].sort(),
            scope,
          })),
          total: c.total,
          percent: c.percent,
        },
      ];
    }),
    unknownIds: [...detected.unknown, ...(groups?.unknown ?? [])],
    ruleCount: ruleSet?.count ?? null,
    status:
      (args.includeSubtechniques ?? true)
        ? result.status
        : new Map([...result.status].filter(([id]) => !catalog.byId.get(id)?.isSubtechnique)),
    users: usedBy,
  };
}

/**
 * The rules that cover each covered technique (STIX id): its own; its parent's when a parent's rule
 * covers its sub-techniques; else, for a parent covered through all its sub-techniques, theirs.
 */
function coveringRules(
  rows: readonly { stixId: string; attackId: string | null; parent: string | null }[],
  ruleSet: RuleSet | null,
  parentCovers: boolean,
): (stixId: string) => CoveredShape['rules'] {
  if (!ruleSet) return () => [];
  const attackIdOf = new Map(rows.map((r) => [r.stixId, r.attackId]));
  const own = (stixId: string | null) =>
    stixId ? (ruleSet.byTechnique.get(attackIdOf.get(stixId) ?? '') ?? []) : [];
  const children = new Map<string, string[]>();
  for (const r of rows) if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r.stixId]);
  const parentOf = new Map(rows.map((r) => [r.stixId, r.parent]));
  return (stixId: string) => {
    const found = [...own(stixId), ...(parentCovers ? own(parentOf.get(stixId) ?? null) : [])];
    const rules = found.length ? found : (children.get(stixId) ?? []).flatMap(own);
    return [...new Map(rules.map((r) => [`${r.pack}\0${r.key}`, r])).values()];
  };
}

export const coverageArgs = builder.args((t) => ({
  detected: t.stringList({
    required: false,
    description:
      'ATT&CK IDs (or STIX ids) of the techniques and sub-techniques you detect. A listed parent ' +
      'covers its sub-techniques (see `parentCoversSubtechniques`); a parent all of whose ' +
      `sub-techniques are listed is covered. At most ${MAX_TECHNIQUE_IDS}. Give exactly one of ` +
      '`detected`, `rules` and `ruleFiles`.',
  }),
  ...ruleSetArgs,
  groups: t.stringList({
    required: false,
    description: `Rank gaps by these groups only (ATT&CK IDs, names or aliases; at most ${MAX_INPUT_IDS}); default: every group.`,
  }),
  parentCoversSubtechniques: t.boolean({
    required: false,
    description:
      'Whether a listed parent technique covers all its sub-techniques. Default: true for `detected`; ' +
      'false for `rules` and `ruleFiles` (a rule on the parent covers the parent only; a rule on a ' +
      'sub-technique covers that sub-technique).',
  }),
  includeSubtechniques: t.boolean({
    required: false,
    defaultValue: true,
    description:
      'Count sub-techniques as techniques of their tactics (default true); false counts top-level only.',
  }),
  domain: t.field({
    type: DomainEnum,
    required: false,
    defaultValue: 'enterprise-attack',
    description: 'The matrix to measure (default ENTERPRISE).',
  }),
  platform: usageFilterArgs.platform,
  via: usageFilterArgs.via,
  release: usageFilterArgs.release,
}));

builder.queryField('coverageGaps', (t) =>
  t.field({
    type: Coverage,
    description:
      'Detection coverage: given the techniques you detect, per tactic (matrix order) what is covered ' +
      'and what is not, with percentages; uncovered techniques are ranked by how many groups (all, or ' +
      '`groups`) use them along `via`. Revoked and deprecated techniques are left out; a technique in ' +
      'several tactics counts in each.',
    args: coverageArgs,
    resolve: (_root, args, ctx) => computeCoverageResult(ctx, args),
  }),
);
