import { GraphQLError } from 'graphql';
import { orderSteps, type PlanStep, planMarkdown } from '../../analytics/emulation-plan.ts';
import type { AtomicTestRow } from '../../data/atomic.ts';
import { fetchPlanRows, type PlanActorKind, type PlanRows } from '../../data/emulation.ts';
import { DEFAULT_VIA } from '../../data/related.ts';
import type { NodeRow } from '../../data/rows.ts';
import type { SigmaRuleRow } from '../../data/sigma.ts';
import { emulationPlanLayer } from '../../navigator/emulation-layer.ts';
import { builder } from '../builder.ts';
import { NavigatorLayerJson } from './analytics/layer-fields.ts';
import { AtomicTest } from './atomic.ts';
import { Software, Technique } from './refs.ts';
import { releaseArg, withRelease } from './release.ts';
import { SigmaRule } from './sigma.ts';
import { viaArg } from './usage-args.ts';

/*
 * Emulation plans (red teams): a group's or campaign's techniques in kill-chain order, each with
 * what the actor did and the atomic tests that exercise it on a platform; as JSON (the GraphQL
 * answer), Markdown and a Navigator layer.
 */

interface StepShape extends PlanStep {
  node: NodeRow;
  ruleRows: SigmaRuleRow[];
  softwareNodes: NodeRow[];
  testRows: AtomicTestRow[];
}

interface PlanShape {
  rows: PlanRows;
  kind: PlanActorKind;
  platform: string | null;
  steps: StepShape[];
}

/** The rows in kill-chain order, as the pure plan's steps (kept with their rows for the fields). */
export function planOf(rows: PlanRows, kind: PlanActorKind, platform: string | null): PlanShape {
  const steps = orderSteps(
    rows.techniques.map((t) => ({
      node: t.technique,
      softwareNodes: t.software,
      testRows: t.tests,
      ruleRows: t.rules,
      technique: {
        stixId: t.technique.stixId,
        attackId: t.technique.attackId ?? null,
        name: t.technique.name ?? '',
      },
      tactics: t.tactics,
      procedures: t.procedures,
      software: t.software.map((s) => ({ attackId: s.attackId ?? null, name: s.name ?? '' })),
      tests: t.tests.map((x) => ({
        guid: x.guid,
        name: x.name,
        executor: x.executor,
        testNumber: x.testNumber,
      })),
      rules: t.rules.map((r) => ({ id: r.ruleId ?? r.key, title: r.title, level: r.level })),
      untested: t.tests.length === 0,
    })),
    rows.tacticOrder,
  );
  return { rows, kind, platform, steps };
}

const metaOf = (p: PlanShape) => ({
  actor: { attackId: p.rows.actor.attackId ?? null, name: p.rows.actor.name ?? '', kind: p.kind },
  platform: p.platform,
  release: p.rows.release,
});

const EmulationStep = builder.objectRef<StepShape>('EmulationStep').implement({
  description: 'One technique of an emulation plan: what the actor did, and how to exercise it.',
  fields: (t) => ({
    technique: t.field({
      nullable: false,
      type: Technique,
      description: 'The technique (in the release read).',
      resolve: (s) => s.node,
    }),
    phase: t.string({
      nullable: true,
      description: 'The kill-chain phase (tactic shortname) the step is placed under: its earliest tactic.',
      resolve: (s) => s.phase,
    }),
    tactics: t.stringList({
      nullable: false,
      description: "The technique's tactic shortnames, in kill-chain order.",
      resolve: (s) => s.tactics,
    }),
    procedures: t.stringList({
      nullable: false,
      description:
        "What the actor did: the `uses` relationship's procedure text (ATT&CK's words, with citations).",
      resolve: (s) => s.procedures,
    }),
    software: t.field({
      nullable: false,
      type: [Software],
      description: "The actor's software that performs this technique.",
      resolve: (s) => s.softwareNodes,
    }),
    atomicTests: t.field({
      nullable: false,
      type: [AtomicTest],
      description: 'The Atomic Red Team tests of this technique on the plan platform (GUID, name, executor).',
      resolve: (s) => s.testRows,
    }),
    detectionRules: t.field({
      nullable: false,
      type: [SigmaRule],
      description:
        'The imported Sigma rules tagged with exactly this technique: what should fire when the step runs.',
      resolve: (s) => s.ruleRows,
    }),
    untested: t.boolean({
      nullable: false,
      description: 'No atomic test on the platform: what the plan cannot exercise.',
      resolve: (s) => s.untested,
    }),
  }),
});

const EmulationPlan = builder.objectRef<PlanShape>('EmulationPlan').implement({
  description:
    "A group's or campaign's techniques in kill-chain order, with procedures, software and atomic tests.",
  fields: (t) => ({
    actorAttackId: t.string({
      nullable: true,
      description: 'The group or campaign ATT&CK ID.',
      resolve: (p) => p.rows.actor.attackId ?? null,
    }),
    actorName: t.string({
      nullable: false,
      description: 'The group or campaign name.',
      resolve: (p) => p.rows.actor.name ?? '',
    }),
    platform: t.string({
      nullable: true,
      description: 'The platform planned for; null: any.',
      resolve: (p) => p.platform,
    }),
    release: t.string({
      nullable: false,
      description: 'The ATT&CK release read.',
      resolve: (p) => p.rows.release,
    }),
    steps: t.field({
      nullable: false,
      type: [EmulationStep],
      description: 'The techniques, in kill-chain order.',
      resolve: (p) => p.steps,
    }),
    testedCount: t.int({
      nullable: false,
      description: 'Steps with an atomic test.',
      resolve: (p) => p.steps.filter((s) => !s.untested).length,
    }),
    untestedCount: t.int({
      nullable: false,
      description: 'Steps without an atomic test.',
      resolve: (p) => p.steps.filter((s) => s.untested).length,
    }),
    offPlatform: t.field({
      nullable: false,
      type: [Technique],
      description: "The actor's techniques left out because their platforms do not include `platform`.",
      resolve: (p) => p.rows.offPlatform,
    }),
    markdown: t.string({
      nullable: false,
      description: 'The plan as Markdown, for people.',
      resolve: (p) => planMarkdown(metaOf(p), p.steps),
    }),
    layer: t.field({
      nullable: false,
      type: NavigatorLayerJson,
      description: 'The plan as a Navigator layer: techniques with an atomic test green, without red.',
      resolve: (p) =>
        emulationPlanLayer(
          {
            actor: p.rows.actor.attackId
              ? `${p.rows.actor.attackId} ${p.rows.actor.name}`
              : (p.rows.actor.name ?? ''),
            platform: p.platform,
            domain: 'enterprise-attack',
            attackVersion: p.rows.release,
          },
          p.steps.map((s) => ({
            attackId: s.technique.attackId,
            parentAttackId: s.technique.attackId?.includes('.')
              ? (s.technique.attackId.split('.')[0] ?? null)
              : null,
            tactics: s.tactics,
            tests: s.testRows.length,
          })),
        ),
    }),
  }),
});

builder.queryField('emulationPlan', (t) =>
  t.field({
    type: EmulationPlan,
    nullable: true,
    description:
      'An emulation plan for a group (`group:`) or a campaign (`campaign:`): the techniques it uses on `platform`, in kill-chain order, each with procedure text, software and the atomic tests on that platform. Null when the actor is not found.',
    args: {
      group: t.arg.string({
        required: false,
        description: 'The group: ATT&CK ID (G0016), name or alias, or STIX id.',
      }),
      campaign: t.arg.string({
        required: false,
        description: 'The campaign: ATT&CK ID (C0024), name or STIX id.',
      }),
      platform: t.arg.string({
        required: false,
        description:
          'The target platform as ATT&CK names it (`Windows`, `Linux`, `macOS`, `IaaS`); any when absent.',
      }),
      ...viaArg,
      ...releaseArg,
    },
    resolve: (_root, args, ctx) => {
      const actor = args.group ?? args.campaign;
      if (!actor || (args.group && args.campaign))
        throw new GraphQLError('Give exactly one of `group` and `campaign`.', {
          extensions: { code: 'BAD_USER_INPUT' },
        });
      const kind: PlanActorKind = args.group ? 'GROUP' : 'CAMPAIGN';
      const platform = args.platform ?? null;
      return withRelease(ctx, args.release, async () => {
        const rows = await fetchPlanRows(ctx.db, {
          actor,
          kind,
          platform,
          via: args.via ?? [...DEFAULT_VIA],
          release: args.release,
        });
        return rows && planOf(rows, kind, platform);
      });
    },
  }),
);
