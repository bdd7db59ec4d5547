import { countsByKind } from '../../change-log.ts';
import {
  changesOf,
  countsOf,
  defectsOf,
  fetchImportRuns,
  type ImportRunRow,
  summaryOf,
} from '../../data/import-runs.ts';
import { isDomain } from '../../data/rows.ts';
import { builder } from '../builder.ts';
import { ChangeCount, ObjectChange } from './change-log.ts';
import { asItems, DomainEnum, toConnection, windowOf } from './common.ts';

const Count = builder.simpleObject('Count', {
  description: 'A named count, such as `nodes.attack-pattern` or `rels.USES`.',
  fields: (t) => ({
    name: t.string({ description: 'What was counted.' }),
    count: t.int({ description: 'How many.' }),
  }),
});

const ImportDefect = builder.simpleObject('ImportDefect', {
  description:
    'A relationship of the imported bundle whose source or target the bundle does not hold, as MITRE published it (enterprise 6.3 has one).',
  fields: (t) => ({
    stixId: t.string({ description: 'The STIX id of the relationship.' }),
    relationshipType: t.string({ description: 'Its STIX relationship_type, such as uses.' }),
    sourceRef: t.string({ description: 'The STIX id of its source.' }),
    targetRef: t.string({ description: 'The STIX id of its target.' }),
    missing: t.stringList({ description: 'The ends the bundle does not hold.' }),
    foundIn: t.stringList({
      description: 'The other domains (same release) that held every missing end at import time.',
    }),
    written: t.boolean({
      description:
        'Whether the import wrote it; if not, the import of a bundle holding the missing end will.',
    }),
  }),
});

const ImportRun = builder.objectRef<ImportRunRow>('ImportRun').implement({
  description: 'One committed import of one ATT&CK domain: where it came from and what it changed.',
  fields: (t) => ({
    runId: t.exposeString('id', { description: 'The run id (a UUID).' }),
    domain: t.field({
      type: DomainEnum,
      nullable: true,
      description: 'The domain imported.',
      resolve: (run) => (isDomain(run.domain) ? run.domain : null),
    }),
    attackVersion: t.string({
      nullable: true,
      description: 'The ATT&CK release, such as 18.1.',
      resolve: (r) => r.attackVersion ?? null,
    }),
    source: t.exposeString('source', { description: 'The source as given to the importer.' }),
    location: t.string({
      nullable: true,
      description: 'The file, URL or collection read.',
      resolve: (r) => r.location ?? null,
    }),
    sha256: t.string({
      nullable: true,
      description: 'The SHA-256 of the bundle read.',
      resolve: (r) => r.sha256 ?? null,
    }),
    mode: t.string({
      nullable: true,
      description: 'default, strict or relaxed (older runs: strict for the default).',
      resolve: (r) => r.mode ?? null,
    }),
    startedAt: t.exposeString('startedAt', { description: 'When the import started (ISO 8601).' }),
    finishedAt: t.exposeString('finishedAt', { description: 'When it committed (ISO 8601).' }),
    counts: t.field({
      type: [Count],
      description: 'How many nodes and relationships of each type the bundle held.',
      resolve: (r) => countsOf(r.countsJson),
    }),
    summary: t.field({
      type: [ChangeCount],
      description: 'How many objects each kind of change touched.',
      resolve: (r) => countsByKind(summaryOf(r.summaryJson)),
    }),
    defects: t.field({
      type: [ImportDefect],
      description: 'Relationships of the bundle that point out of it (empty when there were none).',
      resolve: (r) => defectsOf(r.defectsJson),
    }),
    changes: t.field({
      type: [ObjectChange],
      description: 'Every object changed (empty for the first import into an empty graph).',
      resolve: (r) => changesOf(r.changesJson),
    }),
  }),
});

builder.queryField('importRuns', (t) =>
  t.connection({
    nullable: false,
    type: ImportRun,
    description: 'The imports that changed the graph, newest first.',
    args: {
      domain: t.arg({ type: DomainEnum, required: false, description: 'Only imports of this domain.' }),
    },
    resolve: async (_root, args, ctx) => {
      const window = windowOf(args);
      const page = await fetchImportRuns(ctx.db, { ...window, domain: args.domain });
      return toConnection(asItems(page), window);
    },
  }),
);
