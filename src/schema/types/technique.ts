import { RELATED } from '../../data/related.ts';
import { USAGE } from '../../data/usage.ts';
import { builder } from '../builder.ts';
import { connectionReads, readsKeysAndKey } from '../selection.ts';
import { visibilityArgs } from './common.ts';
import { orEmpty, orNull, stored, storedValue } from './complete.ts';
import {
  AssetConnection,
  CampaignUsageConnection,
  DataComponentConnection,
  DetectionStrategyConnection,
  GroupUsageConnection,
  MitigationRelationConnection,
  SoftwareUsageConnection,
  TacticConnection,
  TechniqueConnection,
} from './connections.ts';
import { type ListArgs, listArgs, lookupField, resolveList } from './lookup.ts';
import {
  Asset,
  AttackObject,
  Campaign,
  DataComponent,
  DetectionStrategy,
  Group,
  Mitigation,
  Software,
  Tactic,
  Technique,
} from './refs.ts';
import { type RelatedExtensions, relatedField, relatedOne, relationField } from './relations.ts';
import { viaArg } from './usage-args.ts';

Technique.implement({
  description: "A technique or sub-technique: how an adversary achieves a tactic's goal.",
  interfaces: [AttackObject],
  fields: (t) => ({
    isSubtechnique: t.boolean({
      description: 'Whether this is a sub-technique (its ATT&CK ID has a `.nnn` suffix).',
      ...stored('isSubtechnique', (v) => v ?? false),
    }),
    detection: t.string({
      nullable: true,
      description: 'Detection guidance text (older releases; see `detectionStrategies`).',
      ...stored('detection', orNull),
    }),
    dataSourceNames: t.stringList({
      description: 'The `x_mitre_data_sources` strings, such as "Process: Process Creation".',
      ...stored('dataSources', orEmpty),
    }),
    permissionsRequired: t.stringList({
      description: 'The permissions the adversary needs.',
      ...stored('permissionsRequired', orEmpty),
    }),
    effectivePermissions: t.stringList({
      description: 'The permissions the adversary gains.',
      ...stored('effectivePermissions', orEmpty),
    }),
    defenseBypassed: t.stringList({
      description: 'The defenses it bypasses.',
      ...stored('defenseBypassed', orEmpty),
    }),
    systemRequirements: t.stringList({
      description: 'What the system must have for it to work.',
      ...stored('systemRequirements', orEmpty),
    }),
    remoteSupport: t.boolean({
      nullable: true,
      description: 'Whether it can be performed remotely.',
      ...stored('remoteSupport', orNull),
    }),
    impactType: t.stringList({
      description: 'The impact types (Impact tactic).',
      ...stored('impactType', orEmpty),
    }),
    tacticType: t.stringList({
      description: 'The mobile tactic types.',
      ...stored('tacticType', orEmpty),
    }),
    tactics: t.connection(
      relationField('technique.tactics', Tactic, 'The tactics this technique serves.'),
      TacticConnection,
    ),
    parent: t.field({
      type: Technique,
      nullable: true,
      description: 'For a sub-technique, its parent technique; otherwise `null`.',
      extensions: {
        ...readsKeysAndKey('isSubtechnique'),
        related: { of: RELATED['technique.parent'], single: true },
      } satisfies RelatedExtensions,
      resolve: async (row, _args, ctx, info) =>
        (await storedValue(ctx, row, 'isSubtechnique'))
          ? relatedOne(ctx, RELATED['technique.parent'], row, info)
          : null,
    }),
    subtechniques: t.connection(
      relationField(
        'technique.subtechniques',
        Technique,
        'The sub-techniques of this technique, by ATT&CK ID.',
      ),
      TechniqueConnection,
    ),
    groups: t.connection(
      {
        nullable: false,
        type: Group,
        description:
          'The groups that use this technique (directly by default; see `via`), with procedure text.',
        args: { ...visibilityArgs, ...viaArg },
        ...relatedField(USAGE.techniqueGroups, (a) => ({ via: a.via })),
      },
      GroupUsageConnection,
    ),
    software: t.connection(
      relationField(
        'technique.software',
        Software,
        'The software that uses this technique, with procedure text.',
      ),
      SoftwareUsageConnection,
    ),
    campaigns: t.connection(
      relationField(
        'technique.campaigns',
        Campaign,
        'The campaigns that used this technique, with procedure text.',
      ),
      CampaignUsageConnection,
    ),
    mitigations: t.connection(
      relationField(
        'technique.mitigations',
        Mitigation,
        'The mitigations of this technique, each with how it applies here.',
      ),
      MitigationRelationConnection,
    ),
    detectionStrategies: t.connection(
      relationField(
        'technique.detectionStrategies',
        DetectionStrategy,
        'The detection strategies that detect this technique.',
      ),
      DetectionStrategyConnection,
    ),
    dataComponents: t.connection(
      relationField(
        'technique.dataComponents',
        DataComponent,
        'The data components that detect this technique: directly, or as log sources of the analytics of ' +
          'its detection strategies.',
      ),
      DataComponentConnection,
    ),
    targets: t.connection(
      relationField('technique.targets', Asset, 'The assets (ICS) this technique targets.'),
      AssetConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  technique: t.field(
    lookupField(
      'Technique',
      Technique,
      'technique',
      'One technique or sub-technique by ATT&CK ID, STIX id or name; `null` when nothing matches.',
    ),
  ),
  techniques: t.connection(
    {
      nullable: false,
      type: Technique,
      description: 'Techniques and sub-techniques, filtered, by ATT&CK ID.',
      args: {
        ...visibilityArgs,
        ...listArgs,
        tactic: t.arg.string({
          required: false,
          description:
            'Only techniques of this tactic: its shortname (`credential-access`) or ATT&CK ID (TA0006).',
        }),
        includeSubtechniques: t.arg.boolean({
          required: false,
          defaultValue: true,
          description: 'Include sub-techniques (default: true).',
        }),
      },
      resolve: (_root, args: ListArgs, ctx, info) =>
        resolveList(ctx, 'Technique', args, connectionReads(info)),
    },
    TechniqueConnection,
  ),
}));
