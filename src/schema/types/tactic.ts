import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../../context.ts';
import { fetchMatrix } from '../../data/matrix.ts';
import { fetchTactics } from '../../data/objects.ts';
import { DEFAULT_VIA, RELATED } from '../../data/related.ts';
import type { ReleaseArg, Visibility } from '../../data/rows.ts';
import { USAGE } from '../../data/usage.ts';
import { builder } from '../builder.ts';
import {
  ahead,
  connectionReadsAhead,
  here,
  nodeProjection,
  perField,
  type ReadsExtensions,
} from '../selection.ts';
import { DomainEnum, UsageViaEnum, visibilityArgs, visibilityOf } from './common.ts';
import { stored } from './complete.ts';
import { itemOf, TechniqueConnection } from './connections.ts';
import { lookupArgs, resolveLookup } from './lookup.ts';
import { AttackObject, Group, Tactic, Technique } from './refs.ts';
import { levelAt, primeRelated, relatedField } from './relations.ts';
import { releaseArg, withRelease } from './release.ts';
import { viaArg } from './usage-args.ts';

const TacticGroupConnection = builder.connectionObject(
  {
    type: Group,
    name: 'TacticGroupConnection',
    description: 'A page of the groups that use techniques of a tactic, with the total count.',
  },
  {
    name: 'TacticGroupEdge',
    description: 'A group that uses techniques of the tactic, with the techniques that put it there.',
    fields: (t) => ({
      techniques: t.field({
        type: [Technique],
        description: 'The techniques and sub-techniques of the tactic the group uses, by ATT&CK ID.',
        extensions: { edge: 'techniques' } satisfies ReadsExtensions,
        resolve: (edge) => itemOf(edge).techniques ?? [],
      }),
      via: t.field({
        type: [UsageViaEnum],
        description: 'How the usage was found (one or more of the paths asked for).',
        extensions: { edge: 'via' } satisfies ReadsExtensions,
        resolve: (edge) => itemOf(edge).via ?? DEFAULT_VIA,
      }),
    }),
  },
);

/** The relation field of a technique that the matrix statement reads with it. */
const SUBTECHNIQUES: ReadonlySet<string> = new Set(['subtechniques']);

/**
 * The levels below the tactics that the matrix statement reads: their techniques (as the field
 * reads them, and as the statement reads them, without the key only the sub-techniques needed) and
 * those techniques' sub-techniques. Worked out once per document (see `perField`).
 */
const matrixLevels = perField((info: GraphQLResolveInfo) => {
  const techniquesAt = ahead(here(info), 'techniques');
  const techniques = levelAt(techniquesAt);
  const subtechniquesAt = techniquesAt && ahead(ahead(techniquesAt, 'nodes'), 'subtechniques');
  const subtechniques = levelAt(subtechniquesAt);
  const read =
    techniques && techniquesAt && subtechniques
      ? { ...techniques, reads: connectionReadsAhead(techniquesAt, SUBTECHNIQUES) }
      : techniques;
  return { techniques, read, subtechniques };
});

/**
 * The tactics, and when the operation goes on to their techniques (and those techniques'
 * sub-techniques: the whole matrix), those levels too, in one statement instead of a round trip
 * per level. The pages go to the loaders the child fields use, keyed by the same reads and
 * options, so the children find them; a child selected in another way reads for itself. The
 * techniques are read without their key when only their sub-techniques needed it: those come in
 * the same statement, handed over with each technique's row.
 */
async function resolveTactics(
  ctx: Context,
  visibility: Visibility & { release?: ReleaseArg },
  info: GraphQLResolveInfo,
) {
  const keys = nodeProjection(info);
  const { techniques, read, subtechniques } = matrixLevels(info, undefined);
  if (!techniques || !read || !keys.includes('stixId')) return fetchTactics(ctx.db, visibility, keys);
  const matrix = await fetchMatrix(ctx.db, visibility, keys, read, subtechniques);
  primeRelated(ctx, techniques, matrix.techniques);
  if (subtechniques) primeRelated(ctx, subtechniques, matrix.subtechniques);
  return matrix.tactics;
}

Tactic.implement({
  description: "A tactic: the adversary's goal, a column of the ATT&CK matrix (such as Credential Access).",
  interfaces: [AttackObject],
  fields: (t) => ({
    shortname: t.string({
      description: 'The short name used in kill chain phases, such as `credential-access`.',
      ...stored('shortname', (v) => v ?? ''),
    }),
    techniques: t.connection(
      {
        nullable: false,
        type: Technique,
        description: 'The techniques in this tactic, by ATT&CK ID.',
        args: {
          ...visibilityArgs,
          includeSubtechniques: t.arg.boolean({
            required: false,
            defaultValue: false,
            description: 'Include sub-techniques as well (default: top-level techniques only).',
          }),
        },
        ...relatedField(RELATED['tactic.techniques'], (a) => ({
          includeSubtechniques: a.includeSubtechniques,
        })),
      },
      TechniqueConnection,
    ),
    groups: t.connection(
      {
        nullable: false,
        type: Group,
        description:
          'Every group that uses a technique or sub-technique of this tactic (directly by default; see `via`), ' +
          'each edge with the techniques that put it there.',
        args: { ...visibilityArgs, ...viaArg },
        ...relatedField(USAGE.tacticGroups, (a) => ({ via: a.via })),
      },
      TacticGroupConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  tactic: t.field({
    type: Tactic,
    nullable: true,
    description:
      'One tactic by ATT&CK ID, STIX id, shortname or name. A shortname exists once per domain: pass `domain` ' +
      '(without it, enterprise wins). `null` when nothing matches.',
    args: {
      ...lookupArgs('Tactic', 'tactic'),
      shortname: t.arg.string({
        required: false,
        description: 'The shortname, such as `credential-access`.',
      }),
    },
    // The headline (a tactic's groups): the groups come with the tactic, one round trip.
    resolve: (_root, args, ctx, info) =>
      resolveLookup(ctx, 'Tactic', args, info, ['attackId', 'stixId', 'name', 'shortname']),
  }),
  tactics: t.field({
    type: [Tactic],
    description:
      "The tactics in matrix order (the order of the domain's matrix), enterprise then mobile then ICS " +
      'when no domain is given: enough, with `techniques`, to draw the matrix in one request.',
    args: {
      ...visibilityArgs,
      ...releaseArg,
      domain: t.arg({
        type: DomainEnum,
        required: false,
        description: "Only the tactics of this domain's matrix.",
      }),
    },
    resolve: (_root, args, ctx, info) =>
      withRelease(ctx, args.release, () =>
        resolveTactics(ctx, { ...visibilityOf(args), release: args.release }, info),
      ),
  }),
}));
