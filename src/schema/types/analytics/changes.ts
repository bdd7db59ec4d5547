import { compareKeys } from '../../../analytics/sets.ts';
import { type ChangeRun, fetchChangeRun, type ObjectChangeRow } from '../../../data/analytics/changes.ts';
import { NODE_TYPES } from '../../../model.ts';
import { builder } from '../../builder.ts';
import { asItems, badInput, DomainEnum, toConnection, windowOf } from '../common.ts';
import { checkList } from './common.ts';

const ChangeKindEnum = builder.enumType('ChangeKind', {
  description: 'What an import did to an object.',
  values: {
    ADDED: { value: 'added', description: 'New in this release (or new to this domain).' },
    MODIFIED: { value: 'modified', description: 'Changed content.' },
    REVOKED: { value: 'revoked', description: 'Revoked: replaced by another object.' },
    DEPRECATED: { value: 'deprecated', description: 'Deprecated: no longer maintained.' },
    REMOVED: { value: 'removed', description: 'Gone from the bundle.' },
  } as const,
});

const VersionChangeEnum = builder.enumType('VersionChange', {
  description: "How a modified object's `x_mitre_version` moved.",
  values: {
    MAJOR: { value: 'major', description: 'A new major version: the meaning changed.' },
    MINOR: { value: 'minor', description: 'A new minor version: a smaller edit.' },
    NONE: { value: 'none', description: 'The same version: metadata only.' },
  } as const,
});

export const ChangeEntry = builder.objectRef<ObjectChangeRow>('ChangeEntry').implement({
  description: 'One object an import added, modified, revoked, deprecated or removed.',
  fields: (t) => ({
    change: t.field({ type: ChangeKindEnum, description: 'What happened to it.', resolve: (c) => c.change }),
    stixId: t.exposeString('stixId', { description: 'Its STIX id.' }),
    attackId: t.string({ nullable: true, description: 'Its ATT&CK ID.', resolve: (c) => c.attackId ?? null }),
    name: t.exposeString('name', { description: 'Its name.' }),
    stixType: t.exposeString('stixType', { description: 'Its STIX type, such as `attack-pattern`.' }),
    versionChange: t.field({
      type: VersionChangeEnum,
      nullable: true,
      description: 'For modified objects: how the version moved.',
      resolve: (c) => c.versionChange ?? null,
    }),
    fromVersion: t.string({
      nullable: true,
      description: 'The version before.',
      resolve: (c) => c.fromVersion ?? null,
    }),
    toVersion: t.string({
      nullable: true,
      description: 'The version after.',
      resolve: (c) => c.toVersion ?? null,
    }),
  }),
});

const ChangeConnection = builder.connectionObject(
  {
    type: ChangeEntry,
    name: 'ChangeEntryConnection',
    description: 'A page of changed objects, with the total count.',
  },
  { name: 'ChangeEntryEdge', description: 'One changed object, with its cursor.' },
);

const ChangeCount = builder.objectRef<{ change: string; count: number }>('ChangeCount').implement({
  description: 'How many objects one kind of change touched.',
  fields: (t) => ({
    change: t.field({
      type: ChangeKindEnum,
      description: 'The kind of change.',
      resolve: (c) => c.change as ObjectChangeRow['change'],
    }),
    count: t.exposeInt('count', { description: 'How many.' }),
  }),
});

interface ChangeSetShape {
  run: ChangeRun | null;
  changes: ObjectChangeRow[];
}

/** The options of a String field that reads the import run: null when there is no run. */
export const runField = (
  key: 'runId' | 'domain' | 'attackVersion' | 'fromVersion' | 'finishedAt',
  description: string,
) => ({
  nullable: true as const,
  description,
  resolve: (s: { run: ChangeRun | null }) => s.run?.[key] ?? null,
});

const kindOrder = ['added', 'modified', 'revoked', 'deprecated', 'removed'];

const ChangeSet = builder.objectRef<ChangeSetShape>('ChangeSet').implement({
  description: 'What one import changed: the objects, filtered as asked.',
  fields: (t) => ({
    runId: t.string(runField('runId', 'The import run; null when no run recorded changes.')),
    domain: t.string(runField('domain', 'The domain imported.')),
    attackVersion: t.string(runField('attackVersion', 'The release imported, such as 18.1.')),
    fromVersion: t.string(runField('fromVersion', 'The release the domain held before, such as 17.1.')),
    finishedAt: t.string(runField('finishedAt', 'When the import committed (ISO 8601).')),
    counts: t.field({
      type: [ChangeCount],
      description: 'How many of the filtered changes are of each kind.',
      resolve: (s) =>
        kindOrder
          .map((change) => ({ change, count: s.changes.filter((c) => c.change === change).length }))
          .filter((c) => c.count > 0),
    }),
    changes: t.connection(
      {
        type: ChangeEntry,
        nullable: false,
        description: 'The changed objects, by kind, then STIX type, then ATT&CK ID.',
        resolve: (s, args) => {
          const window = windowOf(args);
          const items = s.changes.slice(window.offset, window.offset + window.limit);
          return toConnection(asItems({ totalCount: s.changes.length, items }), window);
        },
      },
      ChangeConnection,
    ),
  }),
});

builder.queryField('changes', (t) =>
  t.field({
    type: ChangeSet,
    description:
      "What changed in an import: by default the domain's latest import that replaced an earlier " +
      'release (e.g. 17.1 -> 18.1). Lists added, modified (with major/minor version moves), revoked, ' +
      'deprecated and removed objects, filterable by kind, STIX type and version move.',
    args: {
      domain: t.arg({
        type: DomainEnum,
        required: false,
        defaultValue: 'enterprise-attack',
        description: 'The domain (default ENTERPRISE).',
      }),
      runId: t.arg.string({
        required: false,
        description: 'A specific import run (see `importRuns`); default the latest with changes.',
      }),
      kinds: t.arg({ type: [ChangeKindEnum], required: false, description: 'Only these kinds of change.' }),
      stixTypes: t.arg.stringList({
        required: false,
        description: `Only objects of these STIX types: ${NODE_TYPES.join(', ')}.`,
      }),
      versionChanges: t.arg({
        type: [VersionChangeEnum],
        required: false,
        description: 'Only modified objects whose version moved this way.',
      }),
    },
    resolve: async (_root, args, ctx) => {
      checkList('stixTypes', args.stixTypes, NODE_TYPES.length);
      const badType = args.stixTypes?.find((x) => !(NODE_TYPES as readonly string[]).includes(x));
      if (badType)
        throw badInput(`stixTypes: unknown STIX type ${badType}; expected one of ${NODE_TYPES.join(', ')}`);
      const run = await fetchChangeRun(ctx.db, { runId: args.runId ?? null, domain: args.domain ?? null });
      if (!run) return { run: null, changes: [] };
      const changes = run.changes
        .filter((c) => !args.kinds?.length || args.kinds.includes(c.change))
        .filter((c) => !args.stixTypes?.length || args.stixTypes.includes(c.stixType))
        .filter(
          (c) =>
            !args.versionChanges?.length ||
            (!!c.versionChange && args.versionChanges.includes(c.versionChange)),
        )
        .sort(
          (a, b) =>
            kindOrder.indexOf(a.change) - kindOrder.indexOf(b.change) ||
            compareKeys(a.stixType, b.stixType) ||
            compareKeys(a.attackId, b.attackId) ||
            compareKeys(a.stixId, b.stixId),
        );
      return { run, changes };
    },
  }),
);
