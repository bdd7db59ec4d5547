import type { ScalarRef } from '@pothos/core';
import type { Context } from '../../../context.ts';
import { type Domain, nodeIdOf, type ReleaseArg } from '../../../data/rows.ts';
import type { Layer } from '../../../navigator/layer.ts';
import { coverageLayer, groupsLayer, mitigationPlanLayer } from '../../../navigator/result-layers.ts';
import { builder, type SchemaTypes } from '../../builder.ts';
import { DomainEnum } from '../common.ts';
import { checkRelease } from '../release.ts';
import { resolveKeysOf } from './cards.ts';
import {
  checkList,
  filtersOf,
  loadNodes,
  MAX_INPUT_IDS,
  type UsageFilterArgs,
  unknownIdsField,
  usageFilterArgs,
} from './common.ts';
import { computeCoverageResult, coverageArgs } from './coverage.ts';
import { catalogOf, latestVersionOf, usageOf } from './data.ts';
import { computePlan, planArgs } from './mitigation-plan.ts';

// The builder's SchemaTypes declare no custom scalars (that file is not ours); this one is output-only.
const outputScalar = builder.scalarType.bind(builder) as unknown as (
  name: string,
  options: {
    description: string;
    serialize: (value: unknown) => unknown;
    parseValue: (value: unknown) => never;
  },
) => ScalarRef<PothosSchemaTypes.ExtendDefaultTypes<SchemaTypes>, Layer, never>;

export const NavigatorLayerJson = outputScalar('NavigatorLayerJson', {
  description:
    'An ATT&CK Navigator layer (layer format 4.5) as a JSON object: save it as a .json file and open ' +
    'it in the Navigator ("Open Existing Layer").',
  serialize: (value) => value,
  parseValue: () => {
    throw new TypeError('NavigatorLayerJson is output only');
  },
});

interface LayerResultShape {
  layer: Layer | null;
  unknownIds: string[];
}

const LayerResult = builder.objectRef<LayerResultShape>('LayerResult').implement({
  description: 'A Navigator layer, with the inputs that were not found.',
  fields: (t) => ({
    layer: t.field({
      type: NavigatorLayerJson,
      nullable: true,
      description: 'The layer; null when none of the inputs were found.',
      resolve: (r) => r.layer,
    }),
    techniqueCount: t.int({
      description: 'How many technique entries (one per technique and tactic) the layer has.',
      resolve: (r) => r.layer?.techniques.length ?? 0,
    }),
    unknownIds: t.stringList({ ...unknownIdsField, resolve: (r) => r.unknownIds }),
  }),
});

export async function layerContext(
  ctx: Context,
  domain: Domain,
  platform: string | null,
  release: ReleaseArg,
) {
  const [catalog, attackVersion] = await Promise.all([
    catalogOf(ctx, { domain, platform, release }),
    latestVersionOf(ctx, domain, release),
  ]);
  return {
    domain,
    attackVersion,
    catalog: catalog.byId,
  };
}

const layerDomain = builder.args((t) => ({
  domain: t.field({
    type: DomainEnum,
    required: false,
    defaultValue: 'enterprise-attack',
    description: 'The matrix of the layer (default ENTERPRISE).',
  }),
}));

export interface GroupsLayerInput extends UsageFilterArgs {
  groups: readonly string[];
}

export async function computeGroupsLayer(ctx: Context, args: GroupsLayerInput): Promise<LayerResultShape> {
  await checkRelease(ctx, args.release);
  checkList('groups', args.groups, MAX_INPUT_IDS);
  const filters = { ...filtersOf(args), domain: args.domain ?? 'enterprise-attack' };
  const resolved = await resolveKeysOf(ctx, args.groups, ['Group'], filters.domain, filters.release);
  if (resolved.ids.length === 0) return { layer: null, unknownIds: resolved.unknown };
  const [lctx, usage, groups] = await Promise.all([
    layerContext(ctx, filters.domain, filters.platform, filters.release),
    usageOf(ctx, ['GROUP'], filters, resolved.ids),
    loadNodes(ctx, resolved.ids),
  ]);
  const layer = groupsLayer(
    lctx,
    // Usage is keyed by the analyst queries' ids, which name the release when one is asked for.
    filters.release ? groups.map((g) => ({ ...g, stixId: nodeIdOf(g) })) : groups,
    new Map(usage.actors.map((u) => [u.actor, u.techniques])),
    filters.via,
  );
  return { layer, unknownIds: resolved.unknown };
}

builder.queryFields((t) => ({
  groupsLayer: t.field({
    type: LayerResult,
    description:
      'A Navigator layer of the techniques one or more groups use (along `via`): score = how many of ' +
      'the groups use each technique, comment = who uses it and how. Also at `/layers/groups/G0016.json` ' +
      '(or `/layers/groups/G0016,G0007.json`).',
    args: {
      groups: t.arg.stringList({
        required: true,
        description: `ATT&CK IDs, names or aliases of the groups (at most ${MAX_INPUT_IDS}).`,
      }),
      ...usageFilterArgs,
      ...layerDomain,
    },
    resolve: (_root, args, ctx) => computeGroupsLayer(ctx, args),
  }),
  coverageLayer: t.field({
    type: LayerResult,
    description:
      'A Navigator layer of a `coverageGaps` result: covered techniques green, partially covered ' +
      'parents yellow, gaps scored by how many groups use them (white to red).',
    args: coverageArgs,
    resolve: async (_root, args, ctx) => {
      const coverage = await computeCoverageResult(ctx, args);
      const lctx = await layerContext(ctx, coverage.domain, args.platform?.trim() || null, args.release);
      return {
        layer: coverageLayer(lctx, {
          status: coverage.status,
          users: coverage.users,
          percent: coverage.percent,
          groupCount: coverage.groupCount,
        }),
        unknownIds: coverage.unknownIds,
      };
    },
  }),
  mitigationPlanLayer: t.field({
    type: LayerResult,
    description:
      'A Navigator layer of a `mitigationPlan` result: each target technique scored by the step that ' +
      'covers it (green early, yellow late), uncovered ones red; the steps are in the layer metadata.',
    args: { ...planArgs, ...layerDomain },
    resolve: async (_root, args, ctx) => {
      const domain = args.domain ?? 'enterprise-attack';
      const plan = await computePlan(ctx, { ...args, domain });
      const lctx = await layerContext(ctx, domain, args.platform?.trim() || null, args.release);
      return {
        layer: mitigationPlanLayer(lctx, {
          steps: plan.steps.map((s) => ({
            mitigation: { stixId: s.mitigation, attackId: s.mitigationAttackId, name: s.mitigationName },
            added: s.added,
          })),
          uncovered: plan.uncovered,
          percent: plan.steps.at(-1)?.percent ?? 0,
        }),
        unknownIds: plan.unknownIds,
      };
    },
  }),
}));
