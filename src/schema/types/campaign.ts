import { builder } from '../builder.ts';
import { visibilityArgs } from './common.ts';
import { orNull, stored } from './complete.ts';
import {
  CampaignConnection,
  GroupConnection,
  SoftwareUsageConnection,
  TechniqueUsageConnection,
} from './connections.ts';
import { listField, lookupField } from './lookup.ts';
import { AttackObject, Campaign, Group, Software, Technique } from './refs.ts';
import { relationField } from './relations.ts';
import { actorTechniqueArgs, actorTechniquesField } from './usage-args.ts';

Campaign.implement({
  description: 'A campaign: intrusion activity over a period of time with common targets and objectives.',
  interfaces: [AttackObject],
  fields: (t) => ({
    firstSeen: t.string({
      nullable: true,
      description: 'When the campaign was first seen (ISO 8601).',
      ...stored('firstSeen', orNull),
    }),
    lastSeen: t.string({
      nullable: true,
      description: 'When the campaign was last seen (ISO 8601).',
      ...stored('lastSeen', orNull),
    }),
    firstSeenCitation: t.string({
      nullable: true,
      description: 'The citation for `firstSeen`.',
      ...stored('firstSeenCitation', orNull),
    }),
    lastSeenCitation: t.string({
      nullable: true,
      description: 'The citation for `lastSeen`.',
      ...stored('lastSeenCitation', orNull),
    }),
    techniques: t.connection(
      {
        nullable: false,
        type: Technique,
        description:
          'The techniques used in this campaign: DIRECT by default; SOFTWARE adds those of its software. ' +
          'Each edge says how it was found, with procedure text for direct uses.',
        args: { ...visibilityArgs, ...actorTechniqueArgs },
        ...actorTechniquesField,
      },
      TechniqueUsageConnection,
    ),
    software: t.connection(
      relationField(
        'campaign.software',
        Software,
        'The software used in this campaign, with procedure text.',
      ),
      SoftwareUsageConnection,
    ),
    groups: t.connection(
      relationField('campaign.groups', Group, 'The groups this campaign is attributed to.'),
      GroupConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  campaign: t.field(
    lookupField(
      'Campaign',
      Campaign,
      'campaign',
      'One campaign by ATT&CK ID, STIX id, or name or alias; `null` when nothing matches.',
    ),
  ),
  campaigns: t.connection(
    listField('Campaign', Campaign, 'Campaigns, filtered, by ATT&CK ID.'),
    CampaignConnection,
  ),
}));
