import {
  fetchShortestPaths,
  MAX_HOPS,
  PATH_TYPES,
  type PathRow,
  type PathType,
} from '../../../data/analytics/paths.ts';
import { LABEL_NAMES } from '../../../data/rows.ts';
import { builder } from '../../builder.ts';
import { badInput, DomainEnum, ExternalReference, referencesOf } from '../common.ts';
import { AttackObject } from '../refs.ts';
import { checkRelease, releaseArg } from '../release.ts';
import { resolveKeysOf } from './cards.ts';
import { checkRange, loadNode, unknownIdsField } from './common.ts';

const PathRelationshipType = builder.enumType('PathRelationshipType', {
  description: 'A relationship type a path may follow.',
  values: Object.fromEntries(
    PATH_TYPES.map((type) => [type, { value: type, description: `The \`${type}\` relationship.` }]),
  ) as Record<PathType, { value: PathType; description: string }>,
});

type StepShape = PathRow['relationships'][number];

const PathStep = builder.objectRef<StepShape>('PathStep').implement({
  description: 'One relationship on a path, in its stored direction, with its text.',
  fields: (t) => ({
    type: t.string({
      description: 'The relationship type, such as USES or MITIGATES.',
      resolve: (s) => s.type,
    }),
    from: t.field({
      type: AttackObject,
      description: 'Where the relationship starts.',
      resolve: (s, _a, ctx) => loadNode(ctx, s.from),
    }),
    to: t.field({
      type: AttackObject,
      description: 'Where it ends.',
      resolve: (s, _a, ctx) => loadNode(ctx, s.to),
    }),
    description: t.string({
      nullable: true,
      description: 'The relationship text: for `uses`, the procedure; for `mitigates`, how it helps.',
      resolve: (s) => s.description ?? null,
    }),
    references: t.field({
      type: [ExternalReference],
      description: 'The citations of the relationship text.',
      resolve: (s) => referencesOf(s.referencesJson),
    }),
    logName: t.string({
      nullable: true,
      description: 'For LOGS_FROM: the log name.',
      resolve: (s) => s.name ?? null,
    }),
    logChannel: t.string({
      nullable: true,
      description: 'For LOGS_FROM: the channel.',
      resolve: (s) => s.channel ?? null,
    }),
  }),
});

const Path = builder.objectRef<PathRow>('Path').implement({
  description: 'One shortest path between two objects.',
  fields: (t) => ({
    length: t.int({ description: 'How many relationships it has.', resolve: (p) => p.relationships.length }),
    nodes: t.field({
      type: [AttackObject],
      description: 'The objects on the path, from the start to the end.',
      resolve: (p, _a, ctx) => Promise.all(p.nodes.map((id) => loadNode(ctx, id))),
    }),
    steps: t.field({
      type: [PathStep],
      description: 'The relationships, in path order.',
      resolve: (p) => p.relationships,
    }),
  }),
});

interface PathsShape {
  from: string | null;
  to: string | null;
  paths: PathRow[];
  unknownIds: string[];
}

const Paths = builder.objectRef<PathsShape>('Paths').implement({
  description: 'The shortest paths between two objects.',
  fields: (t) => ({
    from: t.field({
      type: AttackObject,
      nullable: true,
      description: 'The start; null when unknown.',
      resolve: (p, _a, ctx) => (p.from ? loadNode(ctx, p.from) : null),
    }),
    to: t.field({
      type: AttackObject,
      nullable: true,
      description: 'The end; null when unknown.',
      resolve: (p, _a, ctx) => (p.to ? loadNode(ctx, p.to) : null),
    }),
    length: t.int({
      nullable: true,
      description: 'The length of the shortest paths; null when none is within the hop limit.',
      resolve: (p) => p.paths[0]?.relationships.length ?? null,
    }),
    paths: t.field({
      type: [Path],
      description: 'The shortest paths found (all of the same length).',
      resolve: (p) => p.paths,
    }),
    unknownIds: t.stringList({ ...unknownIdsField, resolve: (p) => p.unknownIds }),
  }),
});

builder.queryField('paths', (t) =>
  t.field({
    type: Paths,
    description:
      'The shortest paths between two ATT&CK objects of any type (for example a group and a mitigation), ' +
      'following relationships in either direction, up to `maxHops`, with every relationship on the way ' +
      'and its procedure text. Paths never pass through revoked or deprecated objects or relationships.',
    args: {
      from: t.arg.string({ required: true, description: 'The start: ATT&CK ID (G0016), STIX id, or name.' }),
      to: t.arg.string({ required: true, description: 'The end: ATT&CK ID (M1026), STIX id, or name.' }),
      maxHops: t.arg.int({
        required: false,
        defaultValue: 4,
        description: `The longest path to look for, 1 to ${MAX_HOPS} relationships (default 4).`,
      }),
      limit: t.arg.int({
        required: false,
        defaultValue: 10,
        description: 'At most this many paths, 1 to 100 (default 10).',
      }),
      relationshipTypes: t.arg({
        type: [PathRelationshipType],
        required: false,
        description: 'Only follow these relationship types (default: all of them).',
      }),
      domain: t.arg({
        type: DomainEnum,
        required: false,
        description: 'Only pass through objects of this domain.',
      }),
      ...releaseArg,
    },
    resolve: async (_root, args, ctx) => {
      await checkRelease(ctx, args.release);
      const hops = args.maxHops ?? 4;
      checkRange('maxHops', hops, 1, MAX_HOPS);
      const limit = args.limit ?? 10;
      checkRange('limit', limit, 1, 100);
      if (args.relationshipTypes && args.relationshipTypes.length === 0)
        throw badInput('relationshipTypes: give at least one type, or leave it out for all');
      const domain = args.domain ?? null;
      const [from, to] = await Promise.all([
        resolveKeysOf(ctx, [args.from], LABEL_NAMES, domain, args.release),
        resolveKeysOf(ctx, [args.to], LABEL_NAMES, domain, args.release),
      ]);
      const a = from.ids[0] ?? null;
      const b = to.ids[0] ?? null;
      const unknownIds = [...from.unknown, ...to.unknown];
      if (!a || !b) return { from: a, to: b, paths: [], unknownIds };
      if (a === b) return { from: a, to: b, paths: [{ nodes: [a], relationships: [] }], unknownIds };
      const paths = await fetchShortestPaths(ctx.db, {
        from: a,
        to: b,
        hops,
        limit,
        types: args.relationshipTypes ?? PATH_TYPES,
        domain,
        release: args.release,
      });
      return { from: a, to: b, paths, unknownIds };
    },
  }),
);
