import type { ChangeRun } from '../../../data/analytics/changes.ts';
import { builder } from '../../builder.ts';
import { ObjectChange, RelationshipChange } from '../change-log.ts';
import { Technique } from '../refs.ts';
import { nodeRows, resolveKeysOf } from './cards.ts';
import { runArgs, runField, runOf } from './changes.ts';
import { loadNodeOrNull, unknownIdsField } from './common.ts';

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
      resolve: (s, _args, ctx) => loadNodeOrNull(ctx, s.technique),
    }),
    runId: t.string(runField('runId', 'The import run compared.')),
    attackVersion: t.string(runField('attackVersion', 'The release imported.')),
    fromVersion: t.string(runField('fromVersion', 'The release before.')),
    change: t.field({
      type: ObjectChange,
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
      ...runArgs,
    },
    resolve: async (_root, args, ctx) => {
      const [resolved, run] = await Promise.all([
        resolveKeysOf(ctx, [args.technique], ['Technique'], args.domain ?? null),
        runOf(ctx, args),
      ]);
      const technique = resolved.ids[0] ?? null;
      const attackId = technique ? ((await nodeRows(ctx, [technique]))[0]?.attackId ?? null) : null;
      return { technique, attackId, run: technique ? run : null, unknownIds: resolved.unknown };
    },
  }),
);
