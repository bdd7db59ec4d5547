import { percentOf } from '../../../analytics/coverage.ts';
import { greedyCover } from '../../../analytics/sets.ts';
import type { Context } from '../../../context.ts';
import type { CatalogRow } from '../../../data/analytics/common.ts';
import type { Domain } from '../../../data/rows.ts';
import { compareKeys } from '../../../model.ts';
import { builder, type SchemaTypes } from '../../builder.ts';
import { Mitigation, Technique } from '../refs.ts';
import { checkRelease } from '../release.ts';
import { resolveKeysOf } from './cards.ts';
import {
  checkList,
  checkRange,
  filtersOf,
  loadNode,
  loadNodes,
  MAX_INPUT_IDS,
  MAX_TECHNIQUE_IDS,
  type UsageFilterArgs,
  unknownIdsField,
  usageFilterArgs,
} from './common.ts';
import { catalogOf, mitigationsOf, usageOf } from './data.ts';

interface StepShape {
  rank: number;
  mitigation: string;
  mitigationAttackId: string | null;
  mitigationName: string;
  added: string[];
  cumulative: number;
  percent: number;
}
export interface PlanShape {
  domain: Domain | null;
  target: string[];
  steps: StepShape[];
  uncovered: string[];
  unmitigable: string[];
  catalog: ReadonlyMap<string, CatalogRow>;
  unknownIds: string[];
}

const byAttackId = (catalog: ReadonlyMap<string, CatalogRow>) => (a: string, b: string) =>
  compareKeys(catalog.get(a)?.attackId, catalog.get(b)?.attackId) || compareKeys(a, b);

type Fields<P> = PothosSchemaTypes.ObjectFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<SchemaTypes>, P>;

interface PlanStepCore {
  added: string[];
  cumulative: number;
  percent: number;
}

/** What every step of a greedy plan (mitigations or a framework's controls) says it adds. */
export const planStepFields = <S extends PlanStepCore>(t: Fields<S>) => ({
  addedCount: t.int({
    description: 'How many target techniques it covers that earlier steps did not.',
    resolve: (s) => s.added.length,
  }),
  added: t.field({
    type: [Technique],
    description: 'Those techniques, by ATT&CK ID.',
    resolve: (s, _args, ctx) => loadNodes(ctx, s.added),
  }),
  cumulativeCount: t.int({
    description: 'How many target techniques this step and the ones before cover.',
    resolve: (s) => s.cumulative,
  }),
  cumulativePercent: t.float({
    description: 'cumulativeCount / targetCount × 100.',
    resolve: (s) => s.percent,
  }),
});

interface PlanCore {
  target: string[];
  steps: PlanStepCore[];
  uncovered: string[];
  unknownIds: string[];
}

/** What every greedy plan says of its target; `leftOut` names its field of targets no candidate addresses. */
export const planFields = <P extends PlanCore>(t: Fields<P>, leftOut: string) => ({
  targetCount: t.int({
    description: 'How many techniques the plan aims to cover.',
    resolve: (p) => p.target.length,
  }),
  target: t.field({
    type: [Technique],
    description: 'The techniques the plan aims to cover, by ATT&CK ID.',
    resolve: (p, _args, ctx) => loadNodes(ctx, p.target),
  }),
  coveredCount: t.int({
    description: 'How many target techniques the whole plan covers.',
    resolve: (p) => p.steps.at(-1)?.cumulative ?? 0,
  }),
  percent: t.float({
    description: 'coveredCount / targetCount × 100.',
    resolve: (p) => p.steps.at(-1)?.percent ?? 0,
  }),
  uncovered: t.field({
    type: [Technique],
    description: `Target techniques the plan leaves uncovered (including \`${leftOut}\`), by ATT&CK ID.`,
    resolve: (p, _args, ctx) => loadNodes(ctx, p.uncovered),
  }),
  unknownIds: t.stringList({ ...unknownIdsField, resolve: (p) => p.unknownIds }),
});

const MitigationStep = builder.objectRef<StepShape>('MitigationStep').implement({
  description: 'One mitigation of a plan, with what it adds.',
  fields: (t) => ({
    rank: t.int({ description: 'Its position in the plan, from 1.', resolve: (s) => s.rank }),
    mitigation: t.field({
      type: Mitigation,
      description: 'The mitigation.',
      resolve: (s, _args, ctx) => loadNode(ctx, s.mitigation),
    }),
    ...planStepFields(t),
  }),
});

const MitigationPlan = builder.objectRef<PlanShape>('MitigationPlan').implement({
  description: 'Mitigations chosen greedily to cover a set of techniques (a greedy set cover).',
  fields: (t) => ({
    ...planFields(t, 'unmitigable'),
    steps: t.field({
      type: [MitigationStep],
      description: 'The mitigations, in the order chosen.',
      resolve: (p) => p.steps,
    }),
    unmitigable: t.field({
      type: [Technique],
      description: 'Target techniques no current mitigation addresses, by ATT&CK ID.',
      resolve: (p, _args, ctx) => loadNodes(ctx, p.unmitigable),
    }),
  }),
});

export interface PlanInput extends UsageFilterArgs {
  groups?: readonly string[] | null;
  techniques?: readonly string[] | null;
  max?: number | null;
}

export const MAX_PLAN_STEPS = 100;

/**
 * A plan's target: every technique the groups use (along `via`) plus the techniques given, in the
 * release and domain asked for, sorted by ATT&CK ID. Shared by the mitigation and control plans.
 */
export async function planTarget(ctx: Context, args: PlanInput) {
  await checkRelease(ctx, args.release);
  checkRange('max', args.max ?? 10, 1, MAX_PLAN_STEPS);
  checkList('groups', args.groups, MAX_INPUT_IDS);
  checkList('techniques', args.techniques, MAX_TECHNIQUE_IDS);
  const filters = filtersOf(args);
  const [groups, techniques, { byId: catalog }, usage] = await Promise.all([
    resolveKeysOf(ctx, args.groups ?? [], ['Group'], filters.domain, filters.release),
    resolveKeysOf(ctx, args.techniques ?? [], ['Technique'], filters.domain, filters.release),
    catalogOf(ctx, filters),
    args.groups?.length ? usageOf(ctx, ['GROUP'], filters) : null,
  ]);
  const target = new Set<string>();
  if (usage && groups.ids.length) {
    for (const id of groups.ids) for (const t of usage.sets.get(id) ?? []) target.add(t);
  }
  for (const t of techniques.ids) if (catalog.has(t)) target.add(t);
  const order = byAttackId(catalog);
  return {
    filters,
    target,
    targetList: [...target].sort(order),
    order,
    catalog,
    unknownIds: [...groups.unknown, ...techniques.unknown],
  };
}

/** The plan computation, shared by `mitigationPlan` and the plan layer. */
export async function computePlan(ctx: Context, args: PlanInput): Promise<PlanShape> {
  const max = args.max ?? 10;
  const [{ filters, target, targetList, order, catalog, unknownIds }, all] = await Promise.all([
    planTarget(ctx, args),
    mitigationsOf(ctx, args.domain ?? null, args.release ?? null),
  ]);
  // Each mitigation with the target techniques it addresses (those addressing none left out).
  const mitigations = all.flatMap((m) => {
    const covered = m.techniques.filter((t) => target.has(t));
    return covered.length ? [{ ...m, techniques: covered }] : [];
  });
  const info = new Map(mitigations.map((m) => [m.mitigation, m]));
  const { steps, uncovered } = greedyCover(
    target,
    new Map(mitigations.map((m) => [m.mitigation, new Set(m.techniques)])),
    max,
    (a, b) => compareKeys(info.get(a)?.attackId, info.get(b)?.attackId) || compareKeys(a, b),
  );
  const mitigable = new Set(mitigations.flatMap((m) => m.techniques));
  return {
    domain: filters.domain,
    target: targetList,
    steps: steps.map((s, i) => ({
      rank: i + 1,
      mitigation: s.candidate,
      mitigationAttackId: info.get(s.candidate)?.attackId ?? null,
      mitigationName: info.get(s.candidate)?.name ?? '',
      added: [...s.added].sort(order),
      cumulative: s.cumulative,
      percent: percentOf(s.cumulative, target.size),
    })),
    uncovered: uncovered.sort(order),
    unmitigable: targetList.filter((t) => !mitigable.has(t)),
    catalog,
    unknownIds,
  };
}

export const planArgs = builder.args((t) => ({
  groups: t.stringList({
    required: false,
    description: `Cover the techniques these groups use (ATT&CK IDs, names or aliases; at most ${MAX_INPUT_IDS}).`,
  }),
  techniques: t.stringList({
    required: false,
    description: `Cover these techniques too (ATT&CK IDs; at most ${MAX_TECHNIQUE_IDS}).`,
  }),
  max: t.int({
    required: false,
    defaultValue: 10,
    description: `At most this many mitigations, 1 to ${MAX_PLAN_STEPS} (default 10).`,
  }),
  ...usageFilterArgs,
}));

builder.queryField('mitigationPlan', (t) =>
  t.field({
    type: MitigationPlan,
    description:
      'A mitigation plan: the target is every technique the given groups use (along `via`) plus the ' +
      'given techniques, within `domain` and `platform`. Mitigations are chosen greedily, each the one ' +
      'that covers the most still-uncovered target techniques (`mitigates`; ties by ATT&CK ID), until ' +
      '`max` or nothing more can be covered, with cumulative coverage. Revoked and deprecated ' +
      'objects are left out.',
    args: planArgs,
    resolve: (_root, args, ctx) => computePlan(ctx, args),
  }),
);
