import { RELATED } from '../../data/related.ts';
import { builder } from '../builder.ts';
import { relatedConnection, visibilityArgs } from './common.ts';
import {
  CampaignConnection,
  GroupConnection,
  SoftwareUsageConnection,
  TechniqueUsageConnection,
} from './connections.ts';
import { listArgs, lookupArgs, resolveList, resolveLookup } from './lookup.ts';
import { AttackObject, Campaign, Group, hasLabel, Software, Technique } from './refs.ts';
import { actorTechniqueArgs, resolveActorTechniques } from './usage-args.ts';

Group.implement({
  description: 'A group (intrusion set): a threat actor that ATT&CK tracks, such as APT28.',
  interfaces: [AttackObject],
  isTypeOf: hasLabel('Group'),
  fields: (t) => ({
    techniques: t.connection(
      {
        nullable: false,
        type: Technique,
        description:
          "The techniques this group uses: DIRECT by default; CAMPAIGN adds its attributed campaigns' and " +
          "SOFTWARE its software's. Each edge says how it was found, with procedure text for direct uses.",
        args: { ...visibilityArgs, ...actorTechniqueArgs },
        resolve: (row, args, ctx) => resolveActorTechniques(row.stixId, args, ctx),
      },
      TechniqueUsageConnection,
    ),
    software: t.connection(
      {
        nullable: false,
        type: Software,
        description: 'The software this group uses, with procedure text.',
        args: visibilityArgs,
        resolve: (row, args, ctx) => relatedConnection(ctx, RELATED['group.software'], row.stixId, args),
      },
      SoftwareUsageConnection,
    ),
    campaigns: t.connection(
      {
        nullable: false,
        type: Campaign,
        description: 'The campaigns attributed to this group.',
        args: visibilityArgs,
        resolve: (row, args, ctx) => relatedConnection(ctx, RELATED['group.campaigns'], row.stixId, args),
      },
      CampaignConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  group: t.field({
    type: Group,
    nullable: true,
    description:
      'One group by ATT&CK ID, STIX id, or name or alias (case-insensitive); `null` when nothing matches.',
    args: lookupArgs('Group', 'group'),
    resolve: (_root, args, ctx) => resolveLookup(ctx, 'Group', args, ['attackId', 'stixId', 'name']),
  }),
  groups: t.connection(
    {
      nullable: false,
      type: Group,
      description: 'Groups, filtered, by ATT&CK ID.',
      args: { ...visibilityArgs, ...listArgs },
      resolve: (_root, args, ctx) => resolveList(ctx, 'Group', args),
    },
    GroupConnection,
  ),
}));
