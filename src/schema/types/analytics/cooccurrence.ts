import { rankCooccurrence } from '../../../analytics/sets.ts';
import { builder } from '../../builder.ts';
import { AttackObject, Technique } from '../refs.ts';
import { checkRelease } from '../release.ts';
import { resolveKeysOf } from './cards.ts';
import {
  ActorKindEnum,
  checkRange,
  filtersOf,
  kindsOf,
  loadNode,
  loadNodeOrNull,
  sortedNodes,
  unknownIdsField,
  usageFilterArgs,
} from './common.ts';
import { catalogOf, usageOf } from './data.ts';

interface RuleShape {
  technique: string;
  both: string[];
  support: number;
  confidence: number;
  lift: number;
  itemCount: number;
}
interface CooccurrenceShape {
  technique: string | null;
  population: number;
  users: string[];
  rules: RuleShape[];
  unknownIds: string[];
}

const CooccurringTechnique = builder.objectRef<RuleShape>('CooccurringTechnique').implement({
  description: 'A technique used by the same objects as the one asked about (the rule "asked -> this").',
  fields: (t) => ({
    technique: t.field({
      type: Technique,
      description: 'The co-occurring technique.',
      resolve: (r, _args, ctx) => loadNode(ctx, r.technique),
    }),
    count: t.int({ description: 'How many objects use both techniques.', resolve: (r) => r.both.length }),
    techniqueCount: t.int({
      description: 'How many objects use this technique at all.',
      resolve: (r) => r.itemCount,
    }),
    support: t.float({
      description: 'count / population: the share of all objects that use both.',
      resolve: (r) => r.support,
    }),
    confidence: t.float({
      description: 'count / (objects using the asked technique): how often its users also use this one.',
      resolve: (r) => r.confidence,
    }),
    lift: t.float({
      description:
        'confidence / (techniqueCount / population): above 1, used together more often than chance.',
      resolve: (r) => r.lift,
    }),
    evidence: t.field({
      type: [AttackObject],
      description: 'The objects that use both, by ATT&CK ID.',
      resolve: (r, _args, ctx) => sortedNodes(ctx, r.both),
    }),
  }),
});

const Cooccurrence = builder.objectRef<CooccurrenceShape>('Cooccurrence').implement({
  description: 'The techniques most often used together with one technique.',
  fields: (t) => ({
    technique: t.field({
      type: Technique,
      nullable: true,
      description: 'The technique asked about (its parent with `rollUp`); null when unknown.',
      resolve: (c, _args, ctx) => loadNodeOrNull(ctx, c.technique),
    }),
    population: t.int({
      description: 'How many counted objects use at least one technique in scope (N).',
      resolve: (c) => c.population,
    }),
    count: t.int({
      description: 'How many of them use the technique asked about.',
      resolve: (c) => c.users.length,
    }),
    techniques: t.field({
      type: [CooccurringTechnique],
      description: 'Most often co-used first (count), then by lift, then by ATT&CK ID.',
      resolve: (c) => c.rules,
    }),
    unknownIds: t.stringList({ ...unknownIdsField, resolve: (c) => c.unknownIds }),
  }),
});

builder.queryField('cooccurrence', (t) =>
  t.field({
    type: Cooccurrence,
    description:
      'For one technique, the techniques most often used by the same groups (or campaigns or software: ' +
      '`actors`), as association rules with support, confidence and lift, and the objects as evidence. ' +
      'N counts the objects using at least one technique in scope; usage follows `via` and `rollUp`; ' +
      'revoked and deprecated objects are left out.',
    args: {
      technique: t.arg.string({
        required: true,
        description: 'The ATT&CK ID (T1003.001) or STIX id of the technique.',
      }),
      actors: t.arg({
        type: [ActorKindEnum],
        required: false,
        defaultValue: ['GROUP'],
        description: 'Which kinds of object make up the population (default: groups).',
      }),
      minCount: t.arg.int({
        required: false,
        defaultValue: 1,
        description: 'Only techniques used together by at least this many objects (default 1).',
      }),
      limit: t.arg.int({
        required: false,
        defaultValue: 20,
        description: 'How many co-occurring techniques to return, 1 to 1000 (default 20).',
      }),
      ...usageFilterArgs,
    },
    resolve: async (_root, args, ctx) => {
      await checkRelease(ctx, args.release);
      const limit = args.limit ?? 20;
      checkRange('limit', limit, 1, 1000);
      const minCount = args.minCount ?? 1;
      checkRange('minCount', minCount, 1, 100_000);
      const filters = filtersOf(args);
      const [resolved, catalog, usage] = await Promise.all([
        resolveKeysOf(ctx, [args.technique], ['Technique'], filters.domain, filters.release),
        catalogOf(ctx, filters),
        usageOf(ctx, kindsOf(args.actors), filters),
      ]);
      let technique = resolved.ids[0] ?? null;
      if (technique && filters.rollUp) technique = catalog.byId.get(technique)?.parent ?? technique;
      if (!technique)
        return { technique: null, population: 0, users: [], rules: [], unknownIds: resolved.unknown };
      const { population, users, rules } = rankCooccurrence(
        technique,
        usage.sets,
        (id) => catalog.byId.get(id)?.attackId,
        { minCount, limit },
      );
      return {
        technique,
        population,
        users,
        rules: rules.map((r) => ({ ...r, technique: r.item })),
        unknownIds: resolved.unknown,
      };
    },
  }),
);
