import { builder } from '../builder.ts';
import { visibilityArgs } from './common.ts';
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

Group.implement({
  description: 'A group (intrusion set): a threat actor that ATT&CK tracks, such as APT28.',
  interfaces: [AttackObject],
  fields: (t) => ({
    techniques: t.connection(
      {
        nullable: false,
        type: Technique,
        description:
          "The techniques this group uses: DIRECT by default; CAMPAIGN adds its attributed campaigns' and " +
          "SOFTWARE its software's. Each edge says how it was found, with procedure text for direct uses.",
        args: { ...visibilityArgs, ...actorTechniqueArgs },
        ...actorTechniquesField,
      },
      TechniqueUsageConnection,
    ),
    software: t.connection(
      relationField('group.software', Software, 'The software this group uses, with procedure text.'),
      SoftwareUsageConnection,
    ),
    campaigns: t.connection(
      relationField('group.campaigns', Campaign, 'The campaigns attributed to this group.'),
      CampaignConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  group: t.field(
    lookupField(
      'Group',
      Group,
      'group',
      'One group by ATT&CK ID, STIX id, or name or alias (case-insensitive); `null` when nothing matches.',
    ),
  ),
  groups: t.connection(listField('Group', Group, 'Groups, filtered, by ATT&CK ID.'), GroupConnection),
}));
