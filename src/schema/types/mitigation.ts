import { builder } from '../builder.ts';
import { MitigatedTechniqueConnection, MitigationConnection } from './connections.ts';
import { listField, lookupField } from './lookup.ts';
import { AttackObject, Mitigation, Technique } from './refs.ts';
import { relationField } from './relations.ts';

Mitigation.implement({
  description:
    'A mitigation (course of action): a security concept or class of technologies that prevents techniques.',
  interfaces: [AttackObject],
  fields: (t) => ({
    techniques: t.connection(
      relationField(
        'mitigation.techniques',
        Technique,
        'The techniques this mitigation addresses; each edge says how it applies to that technique.',
      ),
      MitigatedTechniqueConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  mitigation: t.field(
    lookupField(
      'Mitigation',
      Mitigation,
      'mitigation',
      'One mitigation by ATT&CK ID, STIX id or name; `null` when nothing matches. Deprecated mitigations ' +
        'reuse technique IDs (T…); a current mitigation wins.',
    ),
  ),
  mitigations: t.connection(
    listField('Mitigation', Mitigation, 'Mitigations, filtered, by ATT&CK ID.'),
    MitigationConnection,
  ),
}));
