import {
  CHANGE_KINDS,
  countsByKind,
  type ObjectChange as ObjectChangeRow,
  summarize,
} from '../../../change-log.ts';
import type { Context } from '../../../context.ts';
import { type ChangeRun, fetchChangeRun } from '../../../data/analytics/changes.ts';
import type { Domain } from '../../../data/rows.ts';
import { compareKeys, NODE_TYPES } from '../../../model.ts';
import { builder } from '../../builder.ts';
import { ChangeCount, ChangeKindEnum, ObjectChange, VersionChangeEnum } from '../change-log.ts';
import { asItems, badInput, DomainEnum, toConnection, windowOf } from '../common.ts';
import { checkList } from './common.ts';

const ChangeConnection = builder.connectionObject(
  {
    type: ObjectChange,
    name: 'ObjectChangeConnection',
    description: 'A page of changed objects, with the total count.',
  },
  { name: 'ObjectChangeEdge', description: 'One changed object, with its cursor.' },
);

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

/** Which import run a change query reads: `runId`, or else the domain's latest run with changes. */
export const runArgs = builder.args((t) => ({
  domain: t.field({
    type: DomainEnum,
    required: false,
    defaultValue: 'enterprise-attack',
    description: 'The domain (default ENTERPRISE).',
  }),
  runId: t.string({
    required: false,
    description: 'A specific import run (see `importRuns`); default the latest with changes.',
  }),
}));

/**
 * The run's change sets, parsed once per data version (a run's changes are a few MB of JSON):
 * shared by concurrent requests, so callers must not modify them.
 */
export const runOf = (ctx: Context, args: { domain?: Domain | null; runId?: string | null }) => {
  const which = { runId: args.runId ?? null, domain: args.domain ?? null };
  return ctx.perImport.get(ctx.db, `changeRun:${JSON.stringify(which)}`, (db) => fetchChangeRun(db, which));
};

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
      resolve: (s) => countsByKind(summarize(s.changes)),
    }),
    changes: t.connection(
      {
        type: ObjectChange,
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
      ...runArgs,
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
      const run = await runOf(ctx, args);
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
            CHANGE_KINDS.indexOf(a.change) - CHANGE_KINDS.indexOf(b.change) ||
            compareKeys(a.stixType, b.stixType) ||
            compareKeys(a.attackId, b.attackId) ||
            compareKeys(a.stixId, b.stixId),
        );
      return { run, changes };
    },
  }),
);
