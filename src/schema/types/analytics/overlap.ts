import { overlap } from '../../../analytics/sets.ts';
import type { UsageBasis } from '../../../data/analytics/usage.ts';
import { builder } from '../../builder.ts';
import { AttackObject } from '../refs.ts';
import { checkRelease } from '../release.ts';
import { idPlacesOf, resolveKeysOf } from './cards.ts';
import {
  ACTOR_KINDS,
  checkList,
  filtersOf,
  loadNode,
  MAX_INPUT_IDS,
  sortedNodes,
  UsageBasisEnum,
  unknownIdsField,
  usageFilterArgs,
} from './common.ts';
import { itemSetsOf } from './data.ts';

interface MemberShape {
  member: string;
  items: string[];
  unique: string[];
}
interface ItemShape {
  item: string;
  users: string[];
}
interface OverlapShape {
  members: MemberShape[];
  shared: string[];
  items: ItemShape[];
  unknownIds: string[];
}

const OverlapMember = builder.objectRef<MemberShape>('OverlapMember').implement({
  description: 'One of the compared objects, with what it uses and what only it uses.',
  fields: (t) => ({
    object: t.field({
      type: AttackObject,
      description: 'The group, campaign or software.',
      resolve: (m, _args, ctx) => loadNode(ctx, m.member),
    }),
    count: t.int({ description: 'How many items it uses.', resolve: (m) => m.items.length }),
    items: t.field({
      type: [AttackObject],
      description: 'Every item it uses, by ATT&CK ID.',
      resolve: (m, _args, ctx) => sortedNodes(ctx, m.items),
    }),
    unique: t.field({
      type: [AttackObject],
      description: 'The items it uses that none of the other compared objects uses, by ATT&CK ID.',
      resolve: (m, _args, ctx) => sortedNodes(ctx, m.unique),
    }),
  }),
});

const OverlapItem = builder.objectRef<ItemShape>('OverlapItem').implement({
  description: 'An item used by at least one of the compared objects, with who uses it.',
  fields: (t) => ({
    item: t.field({
      type: AttackObject,
      description: 'The technique or software.',
      resolve: (i, _args, ctx) => loadNode(ctx, i.item),
    }),
    count: t.int({ description: 'How many of the compared objects use it.', resolve: (i) => i.users.length }),
    usedBy: t.field({
      type: [AttackObject],
      description: 'The compared objects that use it, by ATT&CK ID.',
      resolve: (i, _args, ctx) => sortedNodes(ctx, i.users),
    }),
  }),
});

const Overlap = builder.objectRef<OverlapShape>('Overlap').implement({
  description: 'How the usage of several groups, campaigns or software overlaps.',
  fields: (t) => ({
    members: t.field({
      type: [OverlapMember],
      description: 'The compared objects found, in input order.',
      resolve: (o) => o.members,
    }),
    shared: t.field({
      type: [AttackObject],
      description: 'The items every compared object uses (the intersection), by ATT&CK ID.',
      resolve: (o, _args, ctx) => sortedNodes(ctx, o.shared),
    }),
    sharedCount: t.int({ description: 'The size of `shared`.', resolve: (o) => o.shared.length }),
    unionCount: t.int({
      description: 'How many items at least one compared object uses.',
      resolve: (o) => o.items.length,
    }),
    items: t.field({
      type: [OverlapItem],
      description: 'Every item at least one compared object uses: most widely used first, then by ATT&CK ID.',
      resolve: async (o, _args, ctx) => {
        const places = await idPlacesOf(
          ctx,
          o.items.map((i) => i.item),
        );
        const rank = (id: string) => places.of(id) ?? Number.MAX_SAFE_INTEGER;
        return [...o.items].sort((a, b) => b.users.length - a.users.length || rank(a.item) - rank(b.item));
      },
    }),
    unknownIds: t.stringList({ ...unknownIdsField, resolve: (o) => o.unknownIds }),
  }),
});

builder.queryField('overlap', (t) =>
  t.field({
    type: Overlap,
    description:
      'Overlap of several groups, campaigns or software (mixable): the techniques (or software, `by`) ' +
      'all of them use, those unique to each, and who uses what. Usage follows `via`; revoked and ' +
      'deprecated objects are left out; `domain` and `platform` narrow the items. An empty list ' +
      `gives an empty result; at most ${MAX_INPUT_IDS} objects.`,
    args: {
      objects: t.arg.stringList({
        required: true,
        description:
          'ATT&CK IDs (G0016, S0002, C0024), STIX ids, or names or aliases of the objects to compare.',
      }),
      by: t.arg({
        type: UsageBasisEnum,
        required: false,
        defaultValue: 'TECHNIQUES',
        description: 'Compare techniques (default), software, or both.',
      }),
      ...usageFilterArgs,
    },
    resolve: async (_root, args, ctx) => {
      await checkRelease(ctx, args.release);
      checkList('objects', args.objects, MAX_INPUT_IDS);
      const filters = filtersOf(args);
      const [resolved, { sets }] = await Promise.all([
        resolveKeysOf(ctx, args.objects, ['Group', 'Campaign', 'Software'], filters.domain, filters.release),
        itemSetsOf(ctx, ACTOR_KINDS, filters, (args.by ?? 'TECHNIQUES') as UsageBasis),
      ]);
      const ordered = new Map(resolved.ids.map((id) => [id, sets.get(id) ?? new Set<string>()]));
      const result = overlap(ordered);
      const items = [...result.usage].map(([item, users]) => ({ item, users }));
      return {
        members: result.members.map((m) => ({ member: m.member, items: m.items, unique: m.unique })),
        shared: result.shared,
        items,
        unknownIds: resolved.unknown,
      };
    },
  }),
);
