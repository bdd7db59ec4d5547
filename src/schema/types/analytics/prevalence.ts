import type { PrevalenceItem } from '../../../analytics/prevalence.ts';
import { rankPrevalence } from '../../../analytics/prevalence.ts';
import type { ActorKind } from '../../../data/analytics/usage.ts';
import { builder } from '../../builder.ts';
import { Tactic, Technique } from '../refs.ts';
import { checkRelease } from '../release.ts';
import {
  ACTOR_KINDS,
  ActorKindEnum,
  checkRange,
  filtersOf,
  kindsOf,
  loadNode,
  loadNodeOrNull,
  unknownIdsField,
  usageFilterArgs,
} from './common.ts';
import { catalogOf, tacticsOf, usageOf } from './data.ts';

type ItemShape = PrevalenceItem<ActorKind>;
interface PrevalenceShape {
  actorCount: number;
  tactic: string | null;
  techniques: ItemShape[];
  unknownIds: string[];
}

const TechniquePrevalence = builder.objectRef<ItemShape>('TechniquePrevalence').implement({
  description: 'How widely one technique is used.',
  fields: (t) => ({
    technique: t.field({
      type: Technique,
      description: 'The technique.',
      resolve: (i, _args, ctx) => loadNode(ctx, i.technique),
    }),
    count: t.int({ description: 'How many of the counted objects use it.', resolve: (i) => i.total }),
    share: t.float({
      description: 'count / actorCount: the share of the counted objects that use it, from 0 to 1.',
      resolve: (i) => i.share,
    }),
    groups: t.int({
      description: 'How many groups use it (when groups are counted).',
      resolve: (i) => i.counts.GROUP,
    }),
    campaigns: t.int({
      description: 'How many campaigns use it (when campaigns are counted).',
      resolve: (i) => i.counts.CAMPAIGN,
    }),
    software: t.int({
      description: 'How many software use it (when software is counted).',
      resolve: (i) => i.counts.SOFTWARE,
    }),
    tactics: t.stringList({
      description: 'The shortnames of the tactics it belongs to (for heat maps).',
      resolve: (i) => i.tactics,
    }),
  }),
});

const Prevalence = builder.objectRef<PrevalenceShape>('Prevalence').implement({
  description: 'Techniques ranked by how many groups, campaigns or software use them.',
  fields: (t) => ({
    actorCount: t.int({
      description:
        'How many counted objects use at least one technique in scope: the denominator of `share`.',
      resolve: (p) => p.actorCount,
    }),
    tactic: t.field({
      type: Tactic,
      nullable: true,
      description: 'The tactic the ranking is limited to, when one was given and found.',
      resolve: (p, _args, ctx) => loadNodeOrNull(ctx, p.tactic),
    }),
    techniques: t.field({
      type: [TechniquePrevalence],
      description: 'The most used techniques first (ties by ATT&CK ID); unused techniques are left out.',
      resolve: (p) => p.techniques,
    }),
    unknownIds: t.stringList({ ...unknownIdsField, resolve: (p) => p.unknownIds }),
  }),
});

builder.queryField('techniquePrevalence', (t) =>
  t.field({
    type: Prevalence,
    description:
      'Techniques ranked by how many distinct groups, campaigns or software (`actors`) use them, ' +
      'overall or within one tactic: the data behind a "most used techniques" heat map. Usage ' +
      'follows `via` and `rollUp`; revoked and deprecated objects are left out.',
    args: {
      actors: t.arg({
        type: [ActorKindEnum],
        required: false,
        defaultValue: ['GROUP'],
        description: 'Which kinds of object to count (default: groups).',
      }),
      tactic: t.arg.string({
        required: false,
        description: 'Only techniques of this tactic: shortname (`credential-access`) or ATT&CK ID (TA0006).',
      }),
      includeSubtechniques: t.arg.boolean({
        required: false,
        defaultValue: true,
        description: 'Rank sub-techniques too (default true); false ranks top-level techniques only.',
      }),
      limit: t.arg.int({
        required: false,
        defaultValue: 100,
        description: 'How many techniques to return, 1 to 1000 (default 100).',
      }),
      ...usageFilterArgs,
    },
    resolve: async (_root, args, ctx) => {
      await checkRelease(ctx, args.release);
      const limit = args.limit ?? 100;
      checkRange('limit', limit, 1, 1000);
      const filters = filtersOf(args);
      const [catalog, tactics, usage] = await Promise.all([
        catalogOf(ctx, filters),
        args.tactic ? tacticsOf(ctx, filters.domain, filters.release) : Promise.resolve([]),
        usageOf(ctx, kindsOf(args.actors), filters),
      ]);
      const wanted = args.tactic?.trim();
      const tactic = wanted
        ? (tactics.find((x) => x.shortname === wanted || x.attackId === wanted) ?? null)
        : null;
      if (wanted && !tactic) return { actorCount: 0, tactic: null, techniques: [], unknownIds: [wanted] };
      const { actorCount, items } = rankPrevalence(
        catalog.rows,
        usage.actors.map((a) => ({ kind: a.kind, techniques: a.techniques.keys() })),
        ACTOR_KINDS,
        { tactic: tactic?.shortname ?? null, includeSubtechniques: args.includeSubtechniques ?? true },
      );
      return {
        actorCount,
        tactic: tactic?.stixId ?? null,
        techniques: items.slice(0, limit),
        unknownIds: [],
      };
    },
  }),
);
