import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { Context } from '../../context.ts';
import { MAPPING_TYPES, type MappingType } from '../../controls.ts';
import {
  type ControlRow,
  type ControlTechniques,
  fetchControls,
  fetchControlTechniques,
  fetchFrameworkControls,
  fetchFrameworks,
  fetchTechniqueControls,
  type MappingRow,
  type TechniqueControl,
} from '../../data/controls.ts';
import { type NodeRef, type NodeRow, refKey, refOf } from '../../data/rows.ts';
import { builder, type SchemaTypes } from '../builder.ts';
import { readsKeysAndKey } from '../selection.ts';
import { type Edge, type PageArgs, toConnection, windowOf } from './common.ts';
import { Technique } from './refs.ts';
import { releaseArg, withRelease } from './release.ts';

/*
 * Controls and capabilities mapped to techniques (Mappings Explorer: NIST 800-53, cloud, KEV,
 * VERIS, CRI, CSA CCM). Mappings name ATT&CK ids; the reads in data/controls.ts join them to the
 * release asked for, following revocations.
 */

export const ControlMappingTypeEnum = builder.enumType('ControlMappingType', {
  description: 'How a control relates to a technique, normalised across the mapping files.',
  values: Object.fromEntries(
    MAPPING_TYPES.map((t) => [t.toUpperCase(), { value: t, description: `\`${t}\` in the mapping files.` }]),
  ) as Record<Uppercase<MappingType>, { value: MappingType; description: string }>,
});

const mappingTypeArg = () =>
  builder.args((t) => ({
    mappingType: t.field({
      type: ControlMappingTypeEnum,
      required: false,
      description: 'Only mappings of this type.',
    }),
  }));

export const Control = builder.objectRef<ControlRow>('Control').implement({
  description:
    'A control or capability of a mapping framework (a NIST 800-53 control, a cloud capability, a KEV CVE, ...).',
  fields: (t) => ({
    framework: t.exposeString('framework', {
      description: 'The framework, such as `nist_800_53`, `aws`, `kev`.',
    }),
    controlId: t.exposeString('id', {
      description: 'The control id in its canonical form (NIST without zero padding: `AC-2`), or the CVE id.',
    }),
    name: t.exposeString('name', {
      nullable: true,
      description: 'Its name or description, as the mapping file gives it.',
    }),
    group: t.exposeString('group', {
      nullable: true,
      description: 'Its group id (`AC`, `amazon_guardduty`).',
    }),
    groupName: t.exposeString('groupName', {
      nullable: true,
      description: 'Its group name (`Access Control`).',
    }),
    frameworkVersion: t.exposeString('frameworkVersion', {
      description: 'The version of the framework it comes from.',
    }),
  }),
});

type MappedItem = { node: unknown; mapping: MappingRow; viaRevocation: string | null };

/** The mapping behind an edge (every edge of these connections is built by `toConnection`). */
const mappingOf = (edge: { cursor: string }): MappingRow & { viaRevocation: string | null } => {
  const item = (edge as Edge<MappedItem>).item;
  return { ...item.mapping, viaRevocation: item.viaRevocation };
};

type EdgeFieldBuilder = PothosSchemaTypes.ObjectFieldBuilder<
  PothosSchemaTypes.ExtendDefaultTypes<SchemaTypes>,
  { cursor: string }
>;

/** The mapping data every edge between a control and a technique carries. */
const edgeFields = (t: EdgeFieldBuilder) => ({
  mappingType: t.field({
    type: ControlMappingTypeEnum,
    description: 'How the control relates to the technique.',
    resolve: (edge) => mappingOf(edge).mappingType as MappingType,
  }),
  scoreCategory: t.string({
    nullable: true,
    description: 'Cloud mappings: `protect`, `detect` or `respond`.',
    resolve: (edge) => mappingOf(edge).scoreCategory,
  }),
  scoreValue: t.string({
    nullable: true,
    description: 'Cloud mappings: `minimal`, `partial` or `significant`.',
    resolve: (edge) => mappingOf(edge).scoreValue,
  }),
  comments: t.string({
    nullable: true,
    description: "The mapping's comments.",
    resolve: (edge) => mappingOf(edge).comments,
  }),
  references: t.stringList({
    description: 'Links the mapping cites.',
    resolve: (edge) => mappingOf(edge).references,
  }),
  status: t.string({
    nullable: true,
    description: '`complete` or `in_progress`.',
    resolve: (edge) => mappingOf(edge).status,
  }),
  attackVersion: t.string({
    description: 'The ATT&CK release the mapping was written for.',
    resolve: (edge) => mappingOf(edge).attackVersion,
  }),
  writtenFor: t.string({
    description:
      'The ATT&CK id the mapping file names (differs from the technique when revocation was followed).',
    resolve: (edge) => mappingOf(edge).attackId,
  }),
  viaRevocation: t.string({
    nullable: true,
    description:
      'When the mapping names a technique revoked since, that id: the mapping reaches this technique through `revoked-by`.',
    resolve: (edge) => mappingOf(edge).viaRevocation,
  }),
});

export const TechniqueControlConnection = builder.connectionObject(
  {
    type: Control,
    name: 'TechniqueControlConnection',
    description: 'A page of controls mapped to a technique.',
  },
  {
    name: 'TechniqueControlEdge',
    description: 'A control mapped to the technique, with the mapping.',
    fields: edgeFields,
  },
);

export const ControlTechniqueConnection = builder.connectionObject(
  {
    type: Technique,
    name: 'ControlTechniqueConnection',
    description: 'A page of techniques a control is mapped to.',
  },
  {
    name: 'ControlTechniqueEdge',
    description: 'A technique the control is mapped to, with the mapping.',
    fields: edgeFields,
  },
);

const techniqueControlLoaders = createContextCache(
  () => new Map<string, DataLoader<NodeRef, TechniqueControl[], string>>(),
);

/** A technique's controls, batched over every technique of the level asking the same filter. */
function loadTechniqueControls(
  ctx: Context,
  row: NodeRow,
  framework: string | null,
  mappingType: string | null,
) {
  const key = `${framework}|${mappingType}`;
  const loaders = techniqueControlLoaders(ctx);
  let loader = loaders.get(key);
  if (!loader) {
    loader = new DataLoader(
      (refs: readonly NodeRef[]) => fetchTechniqueControls(ctx.db, refs, { framework, mappingType }),
      {
        cacheKeyFn: refKey,
      },
    );
    loaders.set(key, loader);
  }
  return loader.load(refOf(row));
}

const controlTechniqueLoaders = createContextCache(
  () => new Map<string, DataLoader<string, ControlTechniques, string>>(),
);

function loadControlTechniques(ctx: Context, row: ControlRow, mappingType: string | null) {
  const release = row.release ?? null;
  const key = `${release}|${mappingType}`;
  const loaders = controlTechniqueLoaders(ctx);
  let loader = loaders.get(key);
  if (!loader) {
    loader = new DataLoader((keys: readonly string[]) =>
      fetchControlTechniques(ctx.db, keys, release, mappingType),
    );
    loaders.set(key, loader);
  }
  return loader.load(row.key);
}

const page = <T extends { node: unknown }>(items: T[], args: PageArgs) => {
  const window = windowOf(args);
  return toConnection(
    { totalCount: items.length, items: items.slice(window.offset, window.offset + window.limit) },
    window,
  );
};

const DroppedMapping = builder.simpleObject('DroppedMapping', {
  description: 'A mapped ATT&CK id the release read cannot answer for; left out of the answers.',
  fields: (t) => ({
    attackId: t.string({ description: 'The ATT&CK id the mapping names.' }),
    reason: t.string({
      description: '`unknown` (not in the release), `deprecated`, or `revoked` (revoked with no successor).',
    }),
  }),
});

builder.objectFields(Control, (t) => ({
  techniques: t.connection(
    {
      type: Technique,
      description:
        "The techniques of the release read (the lookup's `release`) this control is mapped to; mappings to a " +
        'technique revoked since reach its successor (`viaRevocation`), deprecated or unknown ones are in `dropped`.',
      args: mappingTypeArg(),
      resolve: async (row, args, ctx) =>
        page((await loadControlTechniques(ctx, row, args.mappingType ?? null)).items, args),
    },
    ControlTechniqueConnection,
  ),
  dropped: t.field({
    type: [DroppedMapping],
    description: 'The mapped ATT&CK ids of this control the release read cannot answer for.',
    resolve: async (row, _args, ctx) => (await loadControlTechniques(ctx, row, null)).dropped,
  }),
}));

builder.objectFields(Technique, (t) => ({
  controls: t.connection(
    {
      type: Control,
      description:
        'Controls and capabilities mapped to this technique (NIST 800-53, cloud, KEV, ...), including mappings written ' +
        'for a technique this one revoked (`viaRevocation`). Empty for a revoked or deprecated technique.',
      extensions: readsKeysAndKey('attackId'),
      args: {
        framework: t.arg.string({
          required: false,
          description: 'Only this framework (`nist_800_53`, `aws`, ...).',
        }),
        ...mappingTypeArg(),
      },
      resolve: async (row, args, ctx) =>
        page(await loadTechniqueControls(ctx, row, args.framework ?? null, args.mappingType ?? null), args),
    },
    TechniqueControlConnection,
  ),
  vulnerabilities: t.connection(
    {
      type: Control,
      description: 'Known exploited vulnerabilities (CISA KEV CVEs) mapped to this technique.',
      extensions: readsKeysAndKey('attackId'),
      args: mappingTypeArg(),
      resolve: async (row, args, ctx) =>
        page(await loadTechniqueControls(ctx, row, 'kev', args.mappingType ?? null), args),
    },
    TechniqueControlConnection,
  ),
}));

const RevocationFollowed = builder.simpleObject('RevocationFollowed', {
  description: 'A mapped ATT&CK id revoked in the release read, and the technique that replaced it.',
  fields: (t) => ({
    attackId: t.string({ description: 'The id the mappings name.' }),
    now: t.string({ description: 'The id of the technique that replaced it.' }),
  }),
});

const MappingFramework = builder
  .objectRef<Awaited<ReturnType<typeof fetchFrameworks>>[number]>('MappingFramework')
  .implement({
    description: "One imported mapping file: a framework's mappings to one ATT&CK domain.",
    fields: (t) => ({
      framework: t.exposeString('framework', { description: 'The framework, such as `nist_800_53`.' }),
      domain: t.exposeString('domain', { description: '`enterprise`, `mobile` or `ics`.' }),
      version: t.exposeString('version', {
        description: 'The framework version (`rev5`) or the capture date.',
      }),
      attackVersion: t.exposeString('attackVersion', {
        description: 'The ATT&CK release the mappings were written for.',
      }),
      importedAt: t.exposeString('importedAt', { description: 'When it was imported.' }),
      mappingTypes: t.exposeStringList('mappingTypes', {
        description: 'The mapping types the file declares.',
      }),
      mappingCount: t.exposeInt('mappingCount', {
        description: 'Mappings (control to technique relationships).',
      }),
      controlCount: t.exposeInt('controlCount', { description: 'Controls or capabilities, mapped or not.' }),
      techniqueCount: t.exposeInt('techniqueCount', { description: 'Distinct ATT&CK ids mapped.' }),
      unmappableTechniques: t.exposeStringList('unmappableTechniques', {
        description: 'ATT&CK ids the file says no control of the framework maps to.',
      }),
      unmappableControls: t.exposeStringList('unmappableControls', {
        description: 'Controls the file says map to no technique.',
      }),
      revocationFollowed: t.field({
        type: [RevocationFollowed],
        description: 'Mapped ids revoked in the release read, followed to their successors.',
        resolve: (row) => row.revocationFollowed,
      }),
      dropped: t.field({
        type: [DroppedMapping],
        description:
          'Mapped ids the release read cannot answer for (unknown, deprecated, revoked without successor).',
        resolve: (row) => row.dropped,
      }),
    }),
  });

const controlLoader = createContextCache(
  (ctx: Context) =>
    new DataLoader(
      (keys: readonly { framework: string; id: string; release: string | null }[]) =>
        fetchControls(ctx.db, keys),
      { cacheKeyFn: (k) => `${k.framework}|${k.id}|${k.release}` },
    ),
);

builder.queryFields((t) => ({
  control: t.field({
    type: Control,
    nullable: true,
    description:
      'One control or capability by framework and id (`AC-2` and `AC-02` both find NIST AC-2; ids are case-insensitive); `null` when none.',
    args: {
      framework: t.arg.string({
        required: true,
        description: 'The framework, such as `nist_800_53`, `aws`, `kev`.',
      }),
      id: t.arg.string({ required: true, description: 'The control id, capability id or CVE id.' }),
      ...releaseArg,
    },
    resolve: (_root, args, ctx) =>
      withRelease(ctx, args.release, () =>
        controlLoader(ctx).load({ framework: args.framework, id: args.id, release: args.release ?? null }),
      ),
  }),
  controls: t.connection(
    {
      type: Control,
      description:
        'The controls of one framework, by id (mapped or not); their `techniques` read the release given here.',
      args: {
        framework: t.arg.string({ required: true, description: 'The framework, such as `nist_800_53`.' }),
        ...releaseArg,
      },
      resolve: (_root, args, ctx) =>
        withRelease(ctx, args.release, async () =>
          page(
            (await fetchFrameworkControls(ctx.db, args.framework, args.release ?? null)).map((node) => ({
              node,
            })),
            args,
          ),
        ),
    },
    builder.connectionObject(
      { type: Control, name: 'ControlConnection', description: 'A page of controls, with the total count.' },
      { name: 'ControlEdge', description: 'One control, with its cursor.' },
    ),
  ),
  frameworks: t.field({
    type: [MappingFramework],
    description:
      'The imported control mappings, with versions and counts, and how their ATT&CK ids meet the release read.',
    args: { ...releaseArg },
    resolve: (_root, args, ctx) =>
      withRelease(ctx, args.release, () => fetchFrameworks(ctx.db, args.release ?? null)),
  }),
}));
