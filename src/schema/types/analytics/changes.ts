import { NODE_TYPES } from '../../../../import/model.ts';
import {
  type ChangeRun,
  fetchChangeRun,
  type ObjectChangeRow,
  type RelationshipChangeRow,
} from '../../../data/analytics/changes.ts';
import { fetchAttackIds, resolveKeys } from '../../../data/analytics/common.ts';
import { builder } from '../../builder.ts';
import { DomainEnum, toConnection, windowOf } from '../common.ts';
import { Technique } from '../refs.ts';
import { badInput, checkList, unknownIdsField } from './common.ts';

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

const RelationshipChangeKindEnum = builder.enumType('RelationshipChangeKind', {
  description: 'What an import did to a relationship.',
  values: {
    ADDED: { value: 'added', description: 'New relationship.' },
    MODIFIED: { value: 'modified', description: 'Changed text or citations.' },
    REMOVED: { value: 'removed', description: 'Gone from the bundle.' },
  } as const,
});

const ChangeEntry = builder.objectRef<ObjectChangeRow>('ChangeEntry').implement({
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

const RelationshipChange = builder.objectRef<RelationshipChangeRow>('RelationshipChange').implement({
  description: 'One relationship an import added, modified or removed.',
  fields: (t) => ({
    change: t.field({
      type: RelationshipChangeKindEnum,
      description: 'What happened to it.',
      resolve: (c) => c.change,
    }),
    type: t.exposeString('type', { description: 'The relationship type, such as MITIGATES.' }),
    from: t.exposeString('from', { description: 'The ATT&CK ID (or name) of its source.' }),
    to: t.exposeString('to', { description: 'The ATT&CK ID (or name) of its target.' }),
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

const kindOrder = ['added', 'modified', 'revoked', 'deprecated', 'removed'];

const ChangeSet = builder.objectRef<ChangeSetShape>('ChangeSet').implement({
  description: 'What one import changed: the objects, filtered as asked.',
  fields: (t) => ({
    runId: t.string({
      nullable: true,
      description: 'The import run; null when no run recorded changes.',
      resolve: (s) => s.run?.runId ?? null,
    }),
    domain: t.string({
      nullable: true,
      description: 'The domain imported.',
      resolve: (s) => s.run?.domain ?? null,
    }),
    attackVersion: t.string({
      nullable: true,
      description: 'The release imported, such as 18.1.',
      resolve: (s) => s.run?.attackVersion ?? null,
    }),
    fromVersion: t.string({
      nullable: true,
      description: 'The release the domain held before, such as 17.1.',
      resolve: (s) => s.run?.fromVersion ?? null,
    }),
    finishedAt: t.string({
      nullable: true,
      description: 'When the import committed (ISO 8601).',
      resolve: (s) => s.run?.finishedAt ?? null,
    }),
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
          return toConnection(
            {
              totalCount: s.changes.length,
              items: s.changes.slice(window.offset, window.offset + window.limit).map((node) => ({ node })),
            },
            window,
          );
        },
      },
      ChangeConnection,
    ),
  }),
});

const cmp = (a: string | null | undefined, b: string | null | undefined) =>
  (a ?? '\uffff') < (b ?? '\uffff') ? -1 : (a ?? '\uffff') > (b ?? '\uffff') ? 1 : 0;

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
            cmp(a.stixType, b.stixType) ||
            cmp(a.attackId, b.attackId) ||
            cmp(a.stixId, b.stixId),
        );
      return { run, changes };
    },
  }),
);

interface TechniqueChangesShape {
  technique: string | null;
  attackId: string | null;
  run: ChangeRun | null;
  unknownIds: string[];
}

const relationshipsOf = (s: TechniqueChangesShape, type?: string) =>
  (s.run?.relationshipChanges ?? []).filter(
    (r) => (r.from === s.attackId || r.to === s.attackId) && (!type || r.type === type),
  );

const TechniqueChanges = builder.objectRef<TechniqueChangesShape>('TechniqueChanges').implement({
  description: 'How one technique and its relationships changed in an import.',
  fields: (t) => ({
    technique: t.field({
      type: Technique,
      nullable: true,
      description: 'The technique; null when unknown.',
      resolve: (s) => s.technique,
    }),
    runId: t.string({
      nullable: true,
      description: 'The import run compared.',
      resolve: (s) => s.run?.runId ?? null,
    }),
    attackVersion: t.string({
      nullable: true,
      description: 'The release imported.',
      resolve: (s) => s.run?.attackVersion ?? null,
    }),
    fromVersion: t.string({
      nullable: true,
      description: 'The release before.',
      resolve: (s) => s.run?.fromVersion ?? null,
    }),
    change: t.field({
      type: ChangeEntry,
      nullable: true,
      description: 'What happened to the technique itself; null when it did not change.',
      resolve: (s) => s.run?.changes.find((c) => c.stixId === s.technique) ?? null,
    }),
    mitigations: t.field({
      type: [RelationshipChange],
      description: 'Its `mitigates` relationships added, modified or removed.',
      resolve: (s) => relationshipsOf(s, 'MITIGATES'),
    }),
    detections: t.field({
      type: [RelationshipChange],
      description:
        'Its `detects` relationships (detection strategies, data components) added, modified or removed.',
      resolve: (s) => relationshipsOf(s, 'DETECTS'),
    }),
    relationships: t.field({
      type: [RelationshipChange],
      description: 'Every relationship change that touches it (uses, tactics, sub-techniques too).',
      resolve: (s) => relationshipsOf(s),
    }),
    unknownIds: t.stringList({ ...unknownIdsField, resolve: (s) => s.unknownIds }),
  }),
});

builder.queryField('techniqueChanges', (t) =>
  t.field({
    type: TechniqueChanges,
    description:
      "How a technique changed in an import (default: the domain's latest that replaced a release): " +
      'its own change, and its mitigations and detections added, modified or removed.',
    args: {
      technique: t.arg.string({
        required: true,
        description: 'The ATT&CK ID (T1003) or STIX id of the technique.',
      }),
      domain: t.arg({
        type: DomainEnum,
        required: false,
        defaultValue: 'enterprise-attack',
        description: 'The domain (default ENTERPRISE).',
      }),
      runId: t.arg.string({
        required: false,
        description: 'A specific import run; default the latest with changes.',
      }),
    },
    resolve: async (_root, args, ctx) => {
      const domain = args.domain ?? null;
      const [resolved, run] = await Promise.all([
        resolveKeys(ctx.db, [args.technique], ['Technique'], domain),
        fetchChangeRun(ctx.db, { runId: args.runId ?? null, domain }),
      ]);
      const technique = resolved.ids[0] ?? null;
      const attackId = technique
        ? ((await fetchAttackIds(ctx.db, [technique])).get(technique) ?? null)
        : null;
      return { technique, attackId, run: technique ? run : null, unknownIds: resolved.unknown };
    },
  }),
);
