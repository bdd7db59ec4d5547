import { percentOf } from '../../analytics/coverage.ts';
import { greedyCover } from '../../analytics/sets.ts';
import type { Context } from '../../context.ts';
import { type ControlRow, fetchControlCoverage } from '../../data/controls.ts';
import { compareKeys } from '../../model.ts';
import { mitigationPlanLayer } from '../../navigator/result-layers.ts';
import { builder } from '../builder.ts';
import { layerContext, NavigatorLayerJson } from './analytics/layer-fields.ts';
import {
  type PlanInput,
  planArgs,
  planFields,
  planStepFields,
  planTarget,
} from './analytics/mitigation-plan.ts';
import { Control, ControlMappingTypeEnum } from './controls.ts';
import { Technique } from './refs.ts';

/*
 * The mitigation plan's greedy set cover (`planTarget` and `greedyCover`, shared), with the
 * controls of one mapping framework as candidates instead of ATT&CK mitigations.
 */

interface ControlStepShape {
  rank: number;
  control: ControlRow;
  added: string[];
  cumulative: number;
  percent: number;
}

interface ControlPlanShape {
  framework: string;
  target: string[];
  steps: ControlStepShape[];
  uncovered: string[];
  unmapped: string[];
  unknownIds: string[];
  layer: () => Promise<unknown>;
}

const ControlStep = builder.objectRef<ControlStepShape>('ControlStep').implement({
  description: 'One control of a control plan, with what it adds.',
  fields: (t) => ({
    rank: t.exposeInt('rank', { description: 'Its position in the plan, from 1.' }),
    control: t.field({ type: Control, description: 'The control.', resolve: (s) => s.control }),
    ...planStepFields(t),
  }),
});

const ControlPlan = builder.objectRef<ControlPlanShape>('ControlPlan').implement({
  description:
    "A framework's controls chosen greedily to cover a set of techniques (the mitigation plan's set cover).",
  fields: (t) => ({
    framework: t.exposeString('framework', { description: 'The framework whose controls were chosen.' }),
    ...planFields(t, 'unmapped'),
    steps: t.field({
      type: [ControlStep],
      description: 'The controls, in the order chosen.',
      resolve: (p) => p.steps,
    }),
    unmapped: t.field({
      type: [Technique],
      description: 'Target techniques no control of the framework is mapped to.',
      resolve: (p) => p.unmapped,
    }),
    layer: t.field({
      type: NavigatorLayerJson,
      description:
        'The plan as a Navigator layer: each target technique scored by the step that covers it, uncovered ones red.',
      resolve: (p) => p.layer() as never,
    }),
  }),
});

async function computeControlPlan(
  ctx: Context,
  args: PlanInput & { framework: string; mappingType?: string | null },
): Promise<ControlPlanShape> {
  const max = args.max ?? 10;
  const [{ target, targetList, order, unknownIds }, all] = await Promise.all([
    planTarget(ctx, args),
    fetchControlCoverage(ctx.db, args.framework, args.mappingType ?? null, args.release ?? null),
  ]);
  const candidates = all.flatMap((c) => {
    const covered = c.techniques.filter((t) => target.has(t));
    return covered.length ? [{ ...c, techniques: covered }] : [];
  });
  const info = new Map(candidates.map((c) => [c.control.key, c.control]));
  const { steps, uncovered } = greedyCover(
    target,
    new Map(candidates.map((c) => [c.control.key, new Set(c.techniques)])),
    max,
    (a, b) => compareKeys(info.get(a)?.id, info.get(b)?.id) || compareKeys(a, b),
  );
  const mapped = new Set(candidates.flatMap((c) => c.techniques));
  const planSteps = steps.map((s, i) => ({
    rank: i + 1,
    control: info.get(s.candidate) as ControlRow,
    added: [...s.added].sort(order),
    cumulative: s.cumulative,
    percent: percentOf(s.cumulative, target.size),
  }));
  const uncoveredList = uncovered.sort(order);
  const domain = args.domain ?? 'enterprise-attack';
  return {
    framework: args.framework,
    target: targetList,
    steps: planSteps,
    uncovered: uncoveredList,
    unmapped: targetList.filter((t) => !mapped.has(t)),
    unknownIds,
    layer: async () =>
      mitigationPlanLayer(await layerContext(ctx, domain, args.platform?.trim() || null, args.release), {
        name: `${args.framework} control plan`,
        stepsAre: `${args.framework} controls`,
        steps: planSteps.map((s) => ({
          mitigation: { stixId: s.control.key, attackId: s.control.id, name: s.control.name ?? s.control.id },
          added: s.added,
        })),
        uncovered: uncoveredList,
        percent: planSteps.at(-1)?.percent ?? 0,
      }),
  };
}

builder.queryField('controlPlan', (t) =>
  t.field({
    type: ControlPlan,
    description:
      "A control plan: the mitigation plan's target (the techniques the given groups use, plus the given " +
      'techniques) covered greedily by the controls of one framework (each the one covering the most ' +
      'still-uncovered techniques; ties by control id), with what each adds. Mappings reach the release read ' +
      'through revocations; `layer` exports it for the Navigator.',
    args: {
      ...planArgs,
      framework: t.arg.string({
        required: true,
        description: 'The framework, such as `nist_800_53` or `aws`.',
      }),
      mappingType: t.arg({
        type: ControlMappingTypeEnum,
        required: false,
        description: 'Only mappings of this type.',
      }),
    },
    resolve: (_root, args, ctx) => computeControlPlan(ctx, args),
  }),
);
