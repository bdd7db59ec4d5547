import { builder } from '../builder.ts';
import { visibilityArgs } from './common.ts';
import {
  CampaignUsageConnection,
  GroupUsageConnection,
  SoftwareConnection,
  TechniqueUsageConnection,
} from './connections.ts';
import { listField, lookupField } from './lookup.ts';
import { AttackObject, Campaign, Group, Malware, Software, Technique, Tool } from './refs.ts';
import { relationField } from './relations.ts';
import { actorTechniqueArgs, actorTechniquesField } from './usage-args.ts';

/** Relationship fields every software has; Malware and Tool inherit them from the interface. */
builder.interfaceFields(Software, (t) => ({
  techniques: t.connection(
    {
      nullable: false,
      type: Technique,
      description:
        'The techniques this software uses: DIRECT by default; SOFTWARE adds those of software it uses. ' +
        'Each edge says how it was found, with procedure text for direct uses.',
      args: { ...visibilityArgs, ...actorTechniqueArgs },
      ...actorTechniquesField,
    },
    TechniqueUsageConnection,
  ),
  groups: t.connection(
    relationField('software.groups', Group, 'The groups that use this software, with procedure text.'),
    GroupUsageConnection,
  ),
  campaigns: t.connection(
    relationField(
      'software.campaigns',
      Campaign,
      'The campaigns that used this software, with procedure text.',
    ),
    CampaignUsageConnection,
  ),
}));

Malware.implement({
  description:
    'Malicious software: commercial, custom closed source, or open source software intended for harm.',
  interfaces: [AttackObject, Software],
  fields: () => ({}),
});

Tool.implement({
  description: 'A tool: commercial, open-source, built-in or public software that adversaries also use.',
  interfaces: [AttackObject, Software],
  fields: () => ({}),
});

builder.queryFields((t) => ({
  software: t.field(
    lookupField(
      'Software',
      Software,
      'software',
      'One malware or tool by ATT&CK ID, STIX id, or name or alias; `null` when nothing matches.',
    ),
  ),
  softwareList: t.connection(
    listField('Software', Software, 'Malware and tools, filtered, by ATT&CK ID.'),
    SoftwareConnection,
  ),
}));
