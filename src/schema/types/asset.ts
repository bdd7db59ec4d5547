import { z } from 'zod';
import { nodesOnly } from '../../data/related.ts';
import { builder } from '../builder.ts';
import { nodeProjection } from '../selection.ts';
import { visibilityArgs } from './common.ts';
import { orEmpty, stored } from './complete.ts';
import { AssetConnection, TacticConnection, TechniqueConnection } from './connections.ts';
import { listField, lookupField, resolveList } from './lookup.ts';
import { Asset, AttackObject, Matrix, Tactic, Technique } from './refs.ts';
import { relationField } from './relations.ts';
import { releaseArg } from './release.ts';

const RelatedAsset = builder.simpleObject('RelatedAsset', {
  description: 'An asset related to an ATT&CK asset, as named in a sector.',
  fields: (t) => ({
    name: t.string({ description: 'The related asset, such as File Server.' }),
    sectors: t.stringList({ description: 'The sectors it is found in.' }),
    description: t.string({ nullable: true, description: 'How it relates.' }),
  }),
});

const relatedAssets = z.array(
  z.object({
    name: z.string(),
    related_asset_sectors: z.array(z.string()).nullish(),
    description: z.string().nullish(),
  }),
);

Asset.implement({
  description: 'An asset (ICS): a device or system that techniques target.',
  interfaces: [AttackObject],
  fields: (t) => ({
    sectors: t.stringList({
      description: 'The industry sectors it is found in.',
      ...stored('sectors', orEmpty),
    }),
    relatedAssets: t.field({
      type: [RelatedAsset],
      description: 'Assets that are related or similar in other sectors.',
      ...stored('relatedAssetsJson', (json) =>
        (json ? relatedAssets.parse(JSON.parse(json)) : []).map((a) => ({
          name: a.name,
          sectors: a.related_asset_sectors ?? [],
          description: a.description ?? null,
        })),
      ),
    }),
    techniques: t.connection(
      relationField('asset.techniques', Technique, 'The techniques that target this asset.'),
      TechniqueConnection,
    ),
  }),
});

Matrix.implement({
  description: 'A matrix: the tactics of one domain, in their order.',
  interfaces: [AttackObject],
  fields: (t) => ({
    tactics: t.connection(
      relationField('matrix.tactics', Tactic, 'The tactics of this matrix, in matrix order.'),
      TacticConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  asset: t.field(
    lookupField(
      'Asset',
      Asset,
      'asset',
      'One asset (ICS) by ATT&CK ID, STIX id or name; `null` when nothing matches.',
    ),
  ),
  assets: t.connection(listField('Asset', Asset, 'Assets (ICS), filtered, by ATT&CK ID.'), AssetConnection),
  matrices: t.field({
    type: [Matrix],
    description: 'The matrices, one per domain (plus any deprecated ones when asked).',
    args: { ...visibilityArgs, ...releaseArg },
    resolve: async (_root, args, ctx, info) =>
      (await resolveList(ctx, 'Matrix', { ...args, first: 1000 }, nodesOnly(nodeProjection(info)))).edges.map(
        (e) => e.node,
      ),
  }),
}));
