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

Campaign.implement({
  description: 'A campaign: intrusion activity over a period of time with common targets and objectives.',
  interfaces: [AttackObject],
  isTypeOf: hasLabel('Campaign'),
  fields: (t) => ({
    firstSeen: t.string({
      nullable: true,
      description: 'When the campaign was first seen (ISO 8601).',
      resolve: (row) => row.firstSeen ?? null,
    }),
    lastSeen: t.string({
      nullable: true,
      description: 'When the campaign was last seen (ISO 8601).',
      resolve: (row) => row.lastSeen ?? null,
    }),
    firstSeenCitation: t.string({
      nullable: true,
      description: 'The citation for `firstSeen`.',
      resolve: (row) => row.firstSeenCitation ?? null,
    }),
    lastSeenCitation: t.string({
      nullable: true,
      description: 'The citation for `lastSeen`.',
      resolve: (row) => row.lastSeenCitation ?? null,
    }),
    techniques: t.connection(
      {
        nullable: false,
        type: Technique,
        description:
          'The techniques used in this campaign: DIRECT by default; SOFTWARE adds those of its software. ' +
          'Each edge says how it was found, with procedure text for direct uses.',
        args: { ...visibilityArgs, ...actorTechniqueArgs },
        resolve: (row, args, ctx) => resolveActorTechniques(row.stixId, args, ctx),
      },
      TechniqueUsageConnection,
    ),
    software: t.connection(
      {
        nullable: false,
        type: Software,
        description: 'The software used in this campaign, with procedure text.',
        args: visibilityArgs,
        resolve: (row, args, ctx) => relatedConnection(ctx, RELATED['campaign.software'], row.stixId, args),
      },
      SoftwareUsageConnection,
    ),
    groups: t.connection(
      {
        nullable: false,
        type: Group,
        description: 'The groups this campaign is attributed to.',
        args: visibilityArgs,
        resolve: (row, args, ctx) => relatedConnection(ctx, RELATED['campaign.groups'], row.stixId, args),
      },
      GroupConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  campaign: t.field({
    type: Campaign,
    nullable: true,
    description: 'One campaign by ATT&CK ID, STIX id, or name or alias; `null` when nothing matches.',
    args: lookupArgs('Campaign', 'campaign'),
    resolve: (_root, args, ctx) => resolveLookup(ctx, 'Campaign', args, ['attackId', 'stixId', 'name']),
  }),
  campaigns: t.connection(
    {
      nullable: false,
      type: Campaign,
      description: 'Campaigns, filtered, by ATT&CK ID.',
      args: { ...visibilityArgs, ...listArgs },
      resolve: (_root, args, ctx) => resolveList(ctx, 'Campaign', args),
    },
    CampaignConnection,
  ),
}));
