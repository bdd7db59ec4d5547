/**
 * The graph model's constant tables. Labels and relationship types in Cypher come only from here,
 * never from input.
 */

export const DOMAINS = ['enterprise-attack', 'mobile-attack', 'ics-attack'] as const;
export type Domain = (typeof DOMAINS)[number];

/**
 * The kinds of record of a committed change of the data, each a label: an ATT&CK import, a release
 * removed, control mappings imported, replaced or removed, a Sigma rule pack imported or removed,
 * an Atomic index that changed.
 */
export const DATA_CHANGE_KINDS = [
  'ImportRun',
  'ReleaseRemoval',
  'MappingImport',
  'RulePackRun',
  'AtomicImportRun',
] as const;
export type DataChangeKind = (typeof DATA_CHANGE_KINDS)[number];

/**
 * The label every change record carries beside its kind's. The data version counts these
 * (src/data/graph-state.ts) from Neo4j's count store, where a union of the five kinds' labels
 * cost a quarter of a lookup's statement time (0.84 against 0.64 ms through the driver, with both
 * of its reads). The ATT&CK import's schema step gives it to records from before.
 */
export const DATA_CHANGE = 'DataChange';

/**
 * When a change record's change committed: an import run's `finishedAt`, another record's `at`
 * (ISO strings). Indexed with the record's id (`data_change_order`), so that the data version finds
 * the newest record in one index step, however many imports the graph has seen. The ATT&CK import's
 * schema step gives it to records from before.
 */
export const CHANGED_AT = 'changedAt';

/** STIX type -> the labels of its node (besides :AttackObject). */
export const NODE_LABELS = {
  'x-mitre-tactic': ['Tactic'],
  'attack-pattern': ['Technique'],
  'intrusion-set': ['Group'],
  malware: ['Software', 'Malware'],
  tool: ['Software', 'Tool'],
  'course-of-action': ['Mitigation'],
  campaign: ['Campaign'],
  'x-mitre-data-source': ['DataSource'],
  'x-mitre-data-component': ['DataComponent'],
  'x-mitre-detection-strategy': ['DetectionStrategy'],
  'x-mitre-analytic': ['Analytic'],
  'x-mitre-asset': ['Asset'],
  'x-mitre-matrix': ['Matrix'],
} as const;
export type NodeType = keyof typeof NODE_LABELS;
export const NODE_TYPES = Object.keys(NODE_LABELS) as NodeType[];

/** STIX types that carry no ATT&CK content of their own: read, never loaded, not reported. */
export const IGNORED_TYPES = new Set(['identity', 'marking-definition', 'x-mitre-collection']);

export const REL_TYPES = [
  'IN_TACTIC',
  'SUBTECHNIQUE_OF',
  'USES',
  'MITIGATES',
  'ATTRIBUTED_TO',
  'DETECTS',
  'HAS_ANALYTIC',
  'LOGS_FROM',
  'PART_OF',
  'TARGETS',
  'REVOKED_BY',
  'HAS_TACTIC',
] as const;
export type RelType = (typeof REL_TYPES)[number];

const SOFTWARE = ['malware', 'tool'];
/** STIX relationship_type -> graph type, with the source and target STIX types it allows. */
export const STIX_RELATIONSHIPS: Record<string, { type: RelType; from: string[]; to: string[] }> = {
  uses: {
    type: 'USES',
    from: ['intrusion-set', 'campaign', ...SOFTWARE],
    to: ['attack-pattern', ...SOFTWARE],
  },
  mitigates: { type: 'MITIGATES', from: ['course-of-action'], to: ['attack-pattern'] },
  'subtechnique-of': { type: 'SUBTECHNIQUE_OF', from: ['attack-pattern'], to: ['attack-pattern'] },
  'attributed-to': { type: 'ATTRIBUTED_TO', from: ['campaign'], to: ['intrusion-set'] },
  detects: {
    type: 'DETECTS',
    from: ['x-mitre-data-component', 'x-mitre-detection-strategy'],
    to: ['attack-pattern'],
  },
  targets: { type: 'TARGETS', from: ['attack-pattern'], to: ['x-mitre-asset'] },
  'revoked-by': { type: 'REVOKED_BY', from: NODE_TYPES, to: NODE_TYPES },
};

/** The kill chain each domain's techniques name their tactics in (`kill_chain_phases`). */
export const KILL_CHAINS: Record<Domain, string> = {
  'enterprise-attack': 'mitre-attack',
  'mobile-attack': 'mitre-mobile-attack',
  'ics-attack': 'mitre-ics-attack',
};

/** The ATT&CK ID prefix the external reference source names use, per domain. */
export const ATTACK_SOURCE_NAMES = new Set(['mitre-attack', 'mitre-mobile-attack', 'mitre-ics-attack']);

/*
 * The stable order of every list: by ATT&CK ID, then name, then STIX id, each ascending with nulls
 * last (as Cypher sorts them). The importer stores each node's place in its release's order as
 * `ordinal` (import/ordinals.ts), so a list sorts on one number; the analyst code compares in memory.
 */

/** Ascending order with nulls last: the API's stable order on ATT&CK IDs and names. */
export function compareKeys(a: string | null | undefined, b: string | null | undefined): number {
  if (a === b) return 0;
  if (a == null) return 1;
  if (b == null) return -1;
  return a < b ? -1 : 1;
}

/** The API's stable order of objects: by ATT&CK ID, then name, then STIX id. */
export const compareObjects = (
  a: { attackId: string | null; name: string | null; stixId: string },
  b: { attackId: string | null; name: string | null; stixId: string },
): number =>
  compareKeys(a.attackId, b.attackId) || compareKeys(a.name, b.name) || compareKeys(a.stixId, b.stixId);
