import { DEFAULT_VIA, type RelatedItem } from '../../data/related.ts';
import { builder } from '../builder.ts';
import type { ReadsExtensions } from '../selection.ts';
import { Edge, ExternalReference, referencesOf, UsageViaEnum } from './common.ts';
import {
  Analytic,
  Asset,
  AttackObject,
  Campaign,
  DataComponent,
  DataSource,
  DetectionStrategy,
  Group,
  Mitigation,
  Software,
  Tactic,
  Technique,
} from './refs.ts';

/*
 * The connection types shared by every field that lists the same kind of thing, so a client
 * writes one fragment per kind. Edges keep the whole related item, so edge fields read what the
 * relationship says (procedure text, citations, how a usage was found).
 */

/** The related item behind an edge built by `toConnection` (Pothos types edges as `{ cursor, node }`). */
export const itemOf = (edge: { cursor: string }): Partial<RelatedItem> =>
  edge instanceof Edge ? (edge.item as Partial<RelatedItem>) : {};

const plain = <T extends Parameters<typeof builder.connectionObject>[0]['type']>(
  type: T,
  name: string,
  what: string,
) =>
  builder.connectionObject(
    { type, name: `${name}Connection`, description: `A page of ${what}, with the total count.` },
    { name: `${name}Edge`, description: `One of ${what}, with its cursor.` },
  );

export const TacticConnection = plain(Tactic, 'Tactic', 'tactics');
export const TechniqueConnection = plain(Technique, 'Technique', 'techniques');
export const GroupConnection = plain(Group, 'Group', 'groups');
export const SoftwareConnection = plain(Software, 'Software', 'software');
export const MitigationConnection = plain(Mitigation, 'Mitigation', 'mitigations');
export const CampaignConnection = plain(Campaign, 'Campaign', 'campaigns');
export const DataSourceConnection = plain(DataSource, 'DataSource', 'data sources');
export const DataComponentConnection = plain(DataComponent, 'DataComponent', 'data components');
export const DetectionStrategyConnection = plain(
  DetectionStrategy,
  'DetectionStrategy',
  'detection strategies',
);
export const AnalyticConnection = plain(Analytic, 'Analytic', 'analytics');
export const AssetConnection = plain(Asset, 'Asset', 'assets');
export const AttackObjectConnection = plain(AttackObject, 'AttackObject', 'ATT&CK objects');

function usage<T extends Parameters<typeof builder.connectionObject>[0]['type']>(
  type: T,
  name: string,
  what: string,
  withVia: boolean,
  withSubtechniques = false,
) {
  return builder.connectionObject(
    {
      type,
      name: `${name}Connection`,
      description: `A page of ${what}, each with the relationship behind it.`,
    },
    {
      name: `${name}Edge`,
      description: `One of ${what}, with the relationship's text and citations.`,
      fields: (t) => ({
        description: t.string({
          nullable: true,
          description:
            'The relationship text: for `uses`, the procedure (how it was used); for `mitigates`, how it helps.',
          extensions: { edge: 'text' } satisfies ReadsExtensions,
          resolve: (edge) => itemOf(edge).description ?? null,
        }),
        references: t.field({
          type: [ExternalReference],
          description: 'The citations of the relationship text.',
          extensions: { edge: 'references' } satisfies ReadsExtensions,
          resolve: (edge) => referencesOf(itemOf(edge).referencesJson),
        }),
        ...(withVia
          ? {
              via: t.field({
                type: [UsageViaEnum],
                description: 'How the usage was found; `description` and `references` come only with DIRECT.',
                extensions: { edge: 'via' } satisfies ReadsExtensions,
                resolve: (edge) => itemOf(edge).via ?? DEFAULT_VIA,
              }),
            }
          : {}),
        ...(withSubtechniques
          ? {
              subtechniques: t.field({
                type: [Technique],
                description: 'With `rollUp`, the sub-techniques whose usage rolled up into this technique.',
                extensions: { edge: 'subtechniques' } satisfies ReadsExtensions,
                resolve: (edge) => itemOf(edge).subtechniques ?? [],
              }),
            }
          : {}),
      }),
    },
  );
}

export const TechniqueUsageConnection = usage(
  Technique,
  'TechniqueUsage',
  'techniques an object uses',
  true,
  true,
);
export const GroupUsageConnection = usage(Group, 'GroupUsage', 'groups using an object', true);
export const SoftwareUsageConnection = usage(
  Software,
  'SoftwareUsage',
  'software used by or using an object',
  false,
);
export const CampaignUsageConnection = usage(Campaign, 'CampaignUsage', 'campaigns using an object', false);
export const MitigationRelationConnection = usage(
  Mitigation,
  'TechniqueMitigation',
  'mitigations of a technique',
  false,
);
export const MitigatedTechniqueConnection = usage(
  Technique,
  'MitigatedTechnique',
  'techniques a mitigation addresses',
  false,
);
