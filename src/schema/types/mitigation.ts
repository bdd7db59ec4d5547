import { RELATED } from '../../data/related.ts';
import { builder } from '../builder.ts';
import { relatedConnection, visibilityArgs } from './common.ts';
import { MitigatedTechniqueConnection, MitigationConnection } from './connections.ts';
import { listArgs, lookupArgs, resolveList, resolveLookup } from './lookup.ts';
import { AttackObject, hasLabel, Mitigation, Technique } from './refs.ts';

Mitigation.implement({
  description:
    'A mitigation (course of action): a security concept or class of technologies that prevents techniques.',
  interfaces: [AttackObject],
  isTypeOf: hasLabel('Mitigation'),
  fields: (t) => ({
    techniques: t.connection(
      {
        nullable: false,
        type: Technique,
        description:
          'The techniques this mitigation addresses; each edge says how it applies to that technique.',
        args: visibilityArgs,
        resolve: (row, args, ctx) =>
          relatedConnection(ctx, RELATED['mitigation.techniques'], row.stixId, args),
      },
      MitigatedTechniqueConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  mitigation: t.field({
    type: Mitigation,
    nullable: true,
    description:
      'One mitigation by ATT&CK ID, STIX id or name; `null` when nothing matches. Deprecated mitigations ' +
      'reuse technique IDs (T…); a current mitigation wins.',
    args: lookupArgs('Mitigation', 'mitigation'),
    resolve: (_root, args, ctx) => resolveLookup(ctx, 'Mitigation', args, ['attackId', 'stixId', 'name']),
  }),
  mitigations: t.connection(
    {
      nullable: false,
      type: Mitigation,
      description: 'Mitigations, filtered, by ATT&CK ID.',
      args: { ...visibilityArgs, ...listArgs },
      resolve: (_root, args, ctx) => resolveList(ctx, 'Mitigation', args),
    },
    MitigationConnection,
  ),
}));
