import { z } from 'zod';
import { DOMAINS } from '../../import/model.ts';

/** The labels an API type maps to; Cypher takes labels only from this table, never from input. */
export const LABELS = {
  Tactic: 'Tactic',
  Technique: 'Technique',
  Group: 'Group',
  Software: 'Software',
  Malware: 'Malware',
  Tool: 'Tool',
  Mitigation: 'Mitigation',
  Campaign: 'Campaign',
  DataSource: 'DataSource',
  DataComponent: 'DataComponent',
  DetectionStrategy: 'DetectionStrategy',
  Analytic: 'Analytic',
  Asset: 'Asset',
  Matrix: 'Matrix',
} as const;
export type Label = keyof typeof LABELS;
export const LABEL_NAMES = Object.keys(LABELS) as Label[];

export { DOMAINS };
export type Domain = (typeof DOMAINS)[number];
export const isDomain = (d: string): d is Domain => (DOMAINS as readonly string[]).includes(d);

/** Hides revoked and deprecated nodes unless asked, and keeps to one domain when asked. */
export const visible = (x: string) =>
  `($includeRevoked OR NOT coalesce(${x}.revoked, false))` +
  ` AND ($includeDeprecated OR NOT coalesce(${x}.deprecated, false))` +
  ` AND ($domain IS NULL OR $domain IN ${x}.domains)`;

/** Intermediate objects of an inferred path (a campaign, a software) must be current. */
export const active = (x: string) =>
  `NOT coalesce(${x}.revoked, false) AND NOT coalesce(${x}.deprecated, false)`;

/** The stable order of every list: ATT&CK ID, then name, then STIX id to break ties. */
export const orderBy = (x: string) => `${x}.attackId, ${x}.name, ${x}.stixId`;

const strings = z.array(z.string()).nullish();
const text = z.string().nullish();

/** One ATT&CK object as stored: common properties plus every type-specific one (absent elsewhere). */
export const nodeRow = z.object({
  nodeLabels: z.array(z.string()),
  /** Set when the row carries every property; rows of related lists carry only the core ones. */
  complete: z.boolean().nullish(),
  stixId: z.string(),
  stixType: z.string(),
  attackId: text,
  name: z.string(),
  description: text,
  url: text,
  domains: z.array(z.string()).nullish(),
  platforms: strings,
  aliases: strings,
  version: text,
  created: text,
  modified: text,
  revoked: z.boolean().nullish(),
  deprecated: z.boolean().nullish(),
  contributors: strings,
  referencesJson: text,
  shortname: text,
  isSubtechnique: z.boolean().nullish(),
  detection: text,
  dataSources: strings,
  permissionsRequired: strings,
  effectivePermissions: strings,
  defenseBypassed: strings,
  systemRequirements: strings,
  remoteSupport: z.boolean().nullish(),
  impactType: strings,
  tacticType: strings,
  labels: strings,
  firstSeen: text,
  lastSeen: text,
  firstSeenCitation: text,
  lastSeenCitation: text,
  collectionLayers: strings,
  logSourcesJson: text,
  mutableElementsJson: text,
  sectors: strings,
  relatedAssetsJson: text,
});
export type NodeRow = z.infer<typeof nodeRow>;

/**
 * What a node row of a related list carries: enough to type it, order it and name it. The rest (a
 * megabyte of descriptions and lists for a tactic's groups with their techniques) is read only when
 * a query asks for it, for the whole level in one batch: see `complete` in the schema.
 */
const CORE = [
  'stixId',
  'stixType',
  'attackId',
  'name',
  'revoked',
  'deprecated',
  'isSubtechnique',
  'shortname',
] as const;

// `nodeLabels`, not `labels`: software keeps its STIX `labels` property under that name.
/** Projects node `x` to its core properties and labels: the rows of related lists. */
export const project = (x: string) =>
  `${x} {${CORE.map((k) => `.${k}`).join(', ')}, nodeLabels: labels(${x})}`;

/** Projects node `x` with every property, long texts included: the rows of lookups and lists. */
export const projectComplete = (x: string) => `${x} {.*, nodeLabels: labels(${x}), complete: true}`;

/** Options every filtered read takes. */
export interface Visibility {
  domain?: Domain | null;
  includeRevoked?: boolean | null;
  includeDeprecated?: boolean | null;
}

export const visibilityParams = (v: Visibility) => ({
  domain: v.domain ?? null,
  includeRevoked: v.includeRevoked ?? false,
  includeDeprecated: v.includeDeprecated ?? false,
});

/** A window of a list: `limit` items from `offset`. */
export interface Window {
  offset: number;
  limit: number;
}

/** A page of one parent's list, with the size of the whole list. */
export interface Page<T> {
  totalCount: number;
  items: T[];
}

export const emptyPage = <T>(): Page<T> => ({ totalCount: 0, items: [] });
