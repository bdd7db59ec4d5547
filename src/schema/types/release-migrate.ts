/**
 * `migrate` and `migrateLayer`: saved work named in one imported release, said in another
 * (src/releases/migrate.ts, layer.ts). Nothing is written: both only read the two snapshots.
 */
import type { ScalarRef } from '@pothos/core';
import { GraphQLError, valueFromASTUntyped } from 'graphql';
import type { Context } from '../../context.ts';
import { domainReleases, UNKNOWN_RELEASE } from '../../data/releases.ts';
import type { Domain } from '../../data/rows.ts';
import type { Layer } from '../../navigator/layer.ts';
import { LayerError, type MigratedLayer, migrateLayer, parseLayer } from '../../releases/layer.ts';
import { type MigratedItem, migrate } from '../../releases/migrate.ts';
import { builder, type SchemaTypes } from '../builder.ts';
import { NavigatorLayerJson } from './analytics/layer-fields.ts';
import { badInput, DomainEnum } from './common.ts';
import { releasesOf } from './release.ts';
import { MAX_MIGRATE_ITEMS } from './release-bounds.ts';
import { catalogPair } from './release-catalogs.ts';
import { ReleaseObjectRef, TacticMove } from './release-diff.ts';

const OutcomeEnum = builder.enumType('MigrationOutcome', {
  description: 'What an item named in the older release is in the newer one.',
  values: {
    UNCHANGED: { value: 'unchanged', description: 'The same object, same name, same tactics.' },
    RENAMED: { value: 'renamed', description: 'The same object under a new name or ATT&CK ID.' },
    REPLACED: {
      value: 'replaced',
      description: 'Revoked: replaced by where the whole revoked-by chain ends.',
    },
    MOVED: { value: 'moved', description: 'A technique now under other tactics.' },
    DEPRECATED: { value: 'deprecated', description: 'Deprecated, with no replacement.' },
    UNKNOWN_IN_FROM: {
      value: 'unknown-in-from',
      description: 'Not in the older release, but the newer one knows it (written for a newer release?).',
    },
    UNKNOWN: { value: 'unknown', description: 'In neither release (perhaps from a newer one still).' },
    NEEDS_REVIEW: {
      value: 'needs-review',
      description: 'No single answer: a revoked-by fork, a split tactic, or an object gone from the release.',
    },
  } as const,
});

const ItemKindEnum = builder.enumType('MigrationItemKind', {
  description: 'How an item was read.',
  values: {
    ATTACK_ID: { value: 'attack-id', description: 'An ATT&CK ID of any type (T1003.001, G0016, TA0005...).' },
    TACTIC: { value: 'tactic', description: 'A tactic shortname (credential-access).' },
    SIGMA_TAG: {
      value: 'sigma-tag',
      description: 'A Sigma rule tag (attack.t1003.001, attack.credential-access).',
    },
  } as const,
});

const MigratedItemType = builder.objectRef<MigratedItem>('MigratedItem').implement({
  description: 'One item of saved work, named in the older release, said in the newer one.',
  fields: (t) => ({
    item: t.exposeString('item', { description: 'The item as given.' }),
    kind: t.field({ type: ItemKindEnum, description: 'How it was read.', resolve: (m) => m.kind }),
    outcome: t.field({
      type: OutcomeEnum,
      description: 'What it is in the newer release.',
      resolve: (m) => m.outcome,
    }),
    reason: t.exposeString('reason', { description: 'Why, in words, naming the objects.' }),
    from: t.field({
      type: ReleaseObjectRef,
      nullable: true,
      description: 'The object it names in the older release.',
      resolve: (m) => m.from,
    }),
    to: t.field({
      type: [ReleaseObjectRef],
      description: 'What it is in the newer release (several when it needs review).',
      resolve: (m) => m.to,
    }),
    chain: t.field({
      type: [ReleaseObjectRef],
      description: 'The revoked-by hops followed in the newer release, in order.',
      resolve: (m) => m.chain,
    }),
    tactics: t.field({
      type: TacticMove,
      nullable: true,
      description: "A technique's tactic shortnames in each release.",
      resolve: (m) => m.tactics ?? null,
    }),
    migrated: t.exposeStringList('migrated', {
      description:
        'The item rewritten for the newer release, in its own form (IDs, shortnames or Sigma tags).',
    }),
  }),
});

// The builder's SchemaTypes declare no custom scalars (not this file's): this one is input-only.
const inputScalar = builder.scalarType.bind(builder) as unknown as (
  name: string,
  options: {
    description: string;
    serialize: (value: unknown) => never;
    parseValue: (value: unknown) => unknown;
    parseLiteral: (node: Parameters<typeof valueFromASTUntyped>[0]) => unknown;
  },
) => ScalarRef<PothosSchemaTypes.ExtendDefaultTypes<SchemaTypes>, never, unknown>;

const NavigatorLayerInput = inputScalar('NavigatorLayerInput', {
  description: 'An ATT&CK Navigator layer of any 4.x format: the JSON object, or the text of the layer file.',
  serialize: () => {
    throw new TypeError('NavigatorLayerInput is input only');
  },
  parseValue: (value) => value,
  parseLiteral: (node) => valueFromASTUntyped(node),
});

const MigratedLayerType = builder
  .objectRef<MigratedLayer & { from: string; to: string }>('MigratedLayer')
  .implement({
    description: 'A Navigator layer migrated to another release.',
    fields: (t) => ({
      layer: t.field({
        type: NavigatorLayerJson,
        description:
          "The layer in format 4.5 for the newer release: every field kept, each technique's outcome in its metadata.",
        // The migrated layer is a 4.5 layer; its entries keep fields the builder's Layer type does not list.
        resolve: (m) => m.layer as unknown as Layer,
      }),
      from: t.exposeString('from', { description: 'The release the layer was read in.' }),
      to: t.exposeString('to', { description: 'The release it was migrated to.' }),
      entries: t.field({
        type: [MigratedItemType],
        description: 'One per technique entry of the input layer, in order.',
        resolve: (m) => m.entries,
      }),
    }),
  });

builder.queryField('migrate', (t) =>
  t.field({
    type: [MigratedItemType],
    description:
      'Saved work named in release `from`, said in release `to`: ATT&CK IDs of any type, tactic shortnames and Sigma tags, each with one outcome and its reason. Nothing is written.',
    args: {
      domain: t.arg({ type: DomainEnum, required: false, description: 'The domain (default ENTERPRISE).' }),
      from: t.arg.string({
        required: true,
        description: 'The release the items were written for, such as 6.3.',
      }),
      to: t.arg.string({
        required: false,
        description: "The release to say them in (default: the domain's newest).",
      }),
      items: t.arg.stringList({
        required: true,
        description: `ATT&CK IDs, tactic shortnames or Sigma tags (at most ${MAX_MIGRATE_ITEMS}).`,
      }),
    },
    resolve: async (_root, args, ctx) => {
      if (args.items.length > MAX_MIGRATE_ITEMS)
        throw badInput(`items: at most ${MAX_MIGRATE_ITEMS} items may be given (got ${args.items.length}).`);
      const [x, y] = await catalogPair(ctx, args.domain ?? 'enterprise-attack', args.from, args.to);
      return migrate(args.items, x, y);
    },
  }),
);

/** The layer's own release: the newest imported one of the major release it names (`versions.attack`). */
async function releaseOfLayer(ctx: Context, domain: Domain, attack: string | undefined): Promise<string> {
  const { mine, listing } = domainReleases(await releasesOf(ctx), domain);
  if (!attack)
    throw badInput(
      `from: the layer names no ATT&CK release (layer.versions.attack); give \`from\` (${listing})`,
    );
  const exact = mine.find((r) => r === attack);
  const major = mine.filter((r) => r.split('.')[0] === attack.split('.')[0]).at(-1);
  const found = exact ?? major;
  if (!found)
    throw new GraphQLError(
      `from: the layer is for ATT&CK ${attack} (layer.versions.attack), which is not imported (${listing}); give \`from\``,
      { extensions: { code: UNKNOWN_RELEASE, argument: 'from', release: attack, releases: mine } },
    );
  return found;
}

builder.queryField('migrateLayer', (t) =>
  t.field({
    type: MigratedLayerType,
    description:
      'A Navigator layer (any 4.x format) migrated to release `to` as a 4.5 layer: each technique keeps its score, colour, comment, links and metadata, and records its outcome in its metadata. Nothing is written.',
    args: {
      layer: t.arg({ type: NavigatorLayerInput, required: true, description: 'The layer.' }),
      domain: t.arg({
        type: DomainEnum,
        required: false,
        description: "The layer's domain (default ENTERPRISE); a layer of another domain is refused.",
      }),
      from: t.arg.string({
        required: false,
        description:
          "The layer's release (default: the newest imported release of the major release its `versions.attack` names).",
      }),
      to: t.arg.string({
        required: false,
        description: "The release to migrate to (default: the domain's newest).",
      }),
    },
    resolve: async (_root, args, ctx) => {
      const domain: Domain = args.domain ?? 'enterprise-attack';
      let layer: ReturnType<typeof parseLayer>;
      try {
        layer = parseLayer(args.layer, domain);
      } catch (error) {
        if (error instanceof LayerError)
          throw new GraphQLError(error.message, {
            extensions: { code: 'BAD_USER_INPUT', field: error.field },
          });
        throw error;
      }
      const from = args.from ?? (await releaseOfLayer(ctx, domain, layer.versions.attack));
      const [x, y] = await catalogPair(ctx, domain, from, args.to);
      return { ...migrateLayer(layer, x, y), from: x.release, to: y.release };
    },
  }),
);
