import { rankBySimilarity } from '../../../analytics/sets.ts';
import type { UsageBasis } from '../../../data/analytics/usage.ts';
import { compareKeys } from '../../../model.ts';
import { builder } from '../../builder.ts';
import { AttackObject, Group } from '../refs.ts';
import { checkRelease } from '../release.ts';
import { resolveKeysOf } from './cards.ts';
import {
  checkRange,
  filtersOf,
  loadNode,
  loadNodeOrNull,
  sortedNodes,
  UsageBasisEnum,
  unknownIdsField,
  usageFilterArgs,
} from './common.ts';
import { itemSetsOf } from './data.ts';

interface SimilarShape {
  group: string;
  score: number;
  shared: string[];
  unionCount: number;
  count: number;
}
interface SimilarityShape {
  group: string | null;
  count: number;
  similar: SimilarShape[];
  unknownIds: string[];
}

const SimilarGroup = builder.objectRef<SimilarShape>('SimilarGroup').implement({
  description: 'A group similar to the one asked about, with the evidence.',
  fields: (t) => ({
    group: t.field({
      type: Group,
      description: 'The similar group.',
      resolve: (s, _args, ctx) => loadNode(ctx, s.group),
    }),
    score: t.float({
      description: 'Jaccard similarity: |shared| / |union| of the two sets, from 0 to 1.',
      resolve: (s) => s.score,
    }),
    sharedCount: t.int({ description: 'How many items both use.', resolve: (s) => s.shared.length }),
    unionCount: t.int({ description: 'How many items either uses.', resolve: (s) => s.unionCount }),
    count: t.int({ description: 'How many items this group uses.', resolve: (s) => s.count }),
    shared: t.field({
      type: [AttackObject],
      description: 'The evidence: the techniques (or software) both groups use, by ATT&CK ID.',
      resolve: (s, _args, ctx) => sortedNodes(ctx, s.shared),
    }),
  }),
});

const Similarity = builder.objectRef<SimilarityShape>('Similarity').implement({
  description: 'Groups ranked by how similar their usage is to one group.',
  fields: (t) => ({
    group: t.field({
      type: Group,
      nullable: true,
      description: 'The group asked about; null when it is unknown (see `unknownIds`).',
      resolve: (s, _args, ctx) => loadNodeOrNull(ctx, s.group),
    }),
    count: t.int({ description: 'How many items the group asked about uses.', resolve: (s) => s.count }),
    similar: t.field({
      type: [SimilarGroup],
      description: 'The most similar groups first (ties by ATT&CK ID); groups sharing nothing are left out.',
      resolve: (s) => s.similar,
    }),
    unknownIds: t.stringList({ ...unknownIdsField, resolve: (s) => s.unknownIds }),
  }),
});

builder.queryField('similarGroups', (t) =>
  t.field({
    type: Similarity,
    description:
      'The groups most similar to one group, ranked by the Jaccard similarity of their technique sets ' +
      '(or software sets, or both: `by`), with the shared items as evidence. Usage follows `via` ' +
      '(and `rollUp`), within `domain` and `platform`; revoked and deprecated objects are left out.',
    args: {
      group: t.arg.string({
        required: true,
        description: 'The ATT&CK ID (G0016), STIX id, name or alias of the group.',
      }),
      by: t.arg({
        type: UsageBasisEnum,
        required: false,
        defaultValue: 'TECHNIQUES',
        description: 'Compare techniques (default), software, or both.',
      }),
      limit: t.arg.int({
        required: false,
        defaultValue: 10,
        description: 'How many similar groups to return, 1 to 1000 (default 10).',
      }),
      minScore: t.arg.float({
        required: false,
        defaultValue: 0,
        description: 'Only groups scoring above this (0 to 1; default 0: any overlap).',
      }),
      ...usageFilterArgs,
    },
    resolve: async (_root, args, ctx) => {
      await checkRelease(ctx, args.release);
      const limit = args.limit ?? 10;
      checkRange('limit', limit, 1, 1000);
      const minScore = args.minScore ?? 0;
      if (!(minScore >= 0 && minScore <= 1)) checkRange('minScore', minScore, 0, 1);
      const filters = filtersOf(args);
      const [resolved, { sets, attackIds }] = await Promise.all([
        resolveKeysOf(ctx, [args.group], ['Group'], filters.domain, filters.release),
        itemSetsOf(ctx, ['GROUP'], filters, (args.by ?? 'TECHNIQUES') as UsageBasis),
      ]);
      const target = resolved.ids[0];
      if (!target) return { group: null, count: 0, similar: [], unknownIds: resolved.unknown };
      const ranked = rankBySimilarity(
        target,
        sets,
        (a, b) => compareKeys(attackIds.get(a), attackIds.get(b)) || compareKeys(a, b),
      )
        .filter((s) => s.score > minScore)
        .slice(0, limit);
      return {
        group: target,
        count: sets.get(target)?.size ?? 0,
        similar: ranked.map((s) => ({
          group: s.member,
          score: s.score,
          shared: s.shared,
          unionCount: s.unionSize,
          count: sets.get(s.member)?.size ?? 0,
        })),
        unknownIds: resolved.unknown,
      };
    },
  }),
);
