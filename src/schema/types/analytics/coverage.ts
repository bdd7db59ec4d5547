import { computeCoverage, usersWithSubtechniques } from '../../../analytics/coverage.ts';
import type { Context } from '../../../context.ts';
import { resolveKeys, type TacticRow } from '../../../data/analytics/common.ts';
import type { Domain } from '../../../data/rows.ts';
import { builder } from '../../builder.ts';
import { DomainEnum } from '../common.ts';
import { Group, Tactic, Technique } from '../refs.ts';
import { checkRelease } from '../release.ts';
import {
  checkList,
  filtersOf,
  MAX_INPUT_IDS,
  MAX_TECHNIQUE_IDS,
  type UsageFilterArgs,
  unknownIdsField,
  usageFilterArgs,
} from './common.ts';
import { catalogOf, tacticsOf, usageOf } from './data.ts';

interface GapShape {
  technique: string;
  groups: string[];
}
interface TacticShape {
  tactic: TacticRow;
  covered: string[];
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
  /** Internal, for the coverage layer: each technique's status and how many ranking groups use it. */
  status: ReadonlyMap<string, 'covered' | 'partial' | 'uncovered'>;
  users: ReadonlyMap<string, number>;
}

const CoverageGap = builder.objectRef<GapShape>('CoverageGap').implement({
  description: 'A technique not covered, with the groups that use it.',
  fields: (t) => ({
    technique: t.field({
      type: Technique,
      description: 'The uncovered technique.',
      resolve: (g) => g.technique,
    }),
    groupCount: t.int({
      description: 'How many of the ranked groups use it (for a parent: it or any of its sub-techniques).',
      resolve: (g) => g.groups.length,
    }),
    groups: t.field({ type: [Group], description: 'Those groups.', resolve: (g) => g.groups }),
  }),
});

const TacticCoverage = builder.objectRef<TacticShape>('TacticCoverage').implement({
  description: 'Coverage of one tactic.',
  fields: (t) => ({
    tactic: t.field({ type: Tactic, description: 'The tactic.', resolve: (c) => c.tactic.stixId }),
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
      resolve: (c) => c.covered,
    }),
    partial: t.field({
      type: [Technique],
      description: 'Uncovered parent techniques some (not all) of whose sub-techniques are covered.',
      resolve: (c) => c.partial,
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
  }),
});

/** Coverage reads usage as it is (no `rollUp`): a listed parent covers its sub-techniques instead. */
export interface CoverageInput extends Omit<UsageFilterArgs, 'rollUp'> {
  detected: readonly string[];
  groups?: readonly string[] | null;
  parentCoversSubtechniques?: boolean | null;
  includeSubtechniques?: boolean | null;
}

/** The coverage computation, shared by `coverageGaps` and the coverage layer. */
export async function computeCoverageResult(ctx: Context, args: CoverageInput): Promise<CoverageShape> {
  await checkRelease(ctx, args.release);
  checkList('detected', args.detected, MAX_TECHNIQUE_IDS);
  checkList('groups', args.groups, MAX_INPUT_IDS);
  const filters = { ...filtersOf(args), domain: args.domain ?? 'enterprise-attack', rollUp: false };
  const [detected, groups, catalog, tactics, all] = await Promise.all([
    resolveKeys(ctx.db, args.detected, ['Technique'], filters.domain, filters.release),
    args.groups
      ? resolveKeys(ctx.db, args.groups, ['Group'], filters.domain, filters.release)
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
      parentCoversSubtechniques: args.parentCoversSubtechniques ?? true,
      includeSubtechniques: args.includeSubtechniques ?? true,
    },
  );
  const byShortname = new Map(tactics.map((t) => [t.shortname, t]));
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
          partial: c.partial,
          uncovered: c.uncovered.map((technique) => ({
            technique,
            groups: [...(usedBy.get(technique) ?? [])].sort(),
          })),
          total: c.total,
          percent: c.percent,
        },
      ];
    }),
    unknownIds: [...detected.unknown, ...(groups?.unknown ?? [])],
    status: new Map(
      [...result.status].filter(
        ([id]) => (args.includeSubtechniques ?? true) || !catalog.byId.get(id)?.isSubtechnique,
      ),
    ),
    users: new Map([...usedBy].map(([id, set]) => [id, set.size])),
  };
}

export const coverageArgs = builder.args((t) => ({
  detected: t.stringList({
    required: true,
    description:
      'ATT&CK IDs (or STIX ids) of the techniques and sub-techniques you detect. A listed parent ' +
      'covers its sub-techniques (see `parentCoversSubtechniques`); a parent all of whose ' +
      `sub-techniques are listed is covered. At most ${MAX_TECHNIQUE_IDS}.`,
  }),
  groups: t.stringList({
    required: false,
    description: `Rank gaps by these groups only (ATT&CK IDs, names or aliases; at most ${MAX_INPUT_IDS}); default: every group.`,
  }),
  parentCoversSubtechniques: t.boolean({
    required: false,
    defaultValue: true,
    description: 'Whether listing a parent technique covers all its sub-techniques (default true).',
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
