import { MAX_HOPS } from '../data/analytics/paths.ts';
import { MAX_NODE_IDS } from './builder.ts';
import { MAX_INPUT_IDS } from './types/analytics/common.ts';
import { ATOMIC_LIST_BOUNDS } from './types/atomic-bounds.ts';
import { CONTROL_LIST_BOUNDS } from './types/control-bounds.ts';
import { RELEASE_LIST_BOUNDS } from './types/release-bounds.ts';

export { MAX_NODE_IDS };

/**
 * The most items a plain (unpaged) list of each kind can hold in one answer. A list answers within
 * one release, so the bound is every object of that kind in all three domains of a release, with
 * room to grow. Measured on ATT&CK 18.1 (enterprise + mobile + ICS): 40 tactics, 1,120 techniques
 * and sub-techniques, 220 groups, 940 software, 335 mitigations, 63 campaigns, 2,032 analytics,
 * 898 detection strategies, 162 data components, 61 data sources, 18 assets, 4 matrices; at most
 * 47 references on one object, 10 log sources on one analytic, 8 mutable elements, 8 related assets;
 * per technique at most 1 detection strategy, 9 analytics and 21 distinct log sources.
 */
export const MAX_ITEMS = {
  tactics: 64,
  /** Tactics of one domain (enterprise and mobile have 14, ICS 12). */
  domainTactics: 16,
  /** Techniques and sub-techniques of one tactic (at most 215: enterprise defense-evasion). */
  tacticTechniques: 400,
  techniques: 2_000,
  groups: 400,
  /** Groups, campaigns and software together: whatever uses techniques. */
  actors: 2_500,
  software: 1_500,
  mitigations: 600,
  campaigns: 200,
  analytics: 4_000,
  detectionStrategies: 1_500,
  dataComponents: 300,
  matrices: 8,
  /** Imported (domain, release) pairs: three domains, two releases a year, with room to grow. */
  releases: 256,
  /** Objects of any kind of one release. */
  objects: 10_000,
  /** Citations of one object or relationship. */
  references: 100,
  /**
   * Small lists of one object: its log sources, mutable elements, related assets, sub-techniques,
   * change counts, and the detection strategies, analytics and log sources of one technique.
   */
  perObject: 64,
  /** Sigma rules whose tags name one technique (SigmaHQ's most tagged technique has a few hundred). */
  rulesPerTechnique: 500,
  /** Imported Sigma rule packs. */
  rulePacks: 256,
  /** The longest revocation chain the resolver follows. */
  revocationChain: 64,
  /** `limit` arguments of the analytics accept at most this many. */
  ranked: 1_000,
  /** `paths(limit:)` accepts at most this many. */
  paths: 100,
  /** Nodes on one path: one more than its relationships. */
  pathNodes: MAX_HOPS + 1,
} as const;

/**
 * The only arguments a cost reads: a connection's page size, and what the bounds below read. The
 * cost limit keeps a document's cost per the values of the variables given to these alone.
 */
export const COST_ARGUMENTS = ['first', 'last', 'ids', 'groups', 'objects', 'limit', 'domain'] as const;
type CostArgument = (typeof COST_ARGUMENTS)[number];

/** The arguments of a field occurrence (defaults applied), then of each field above it, nearest first. */
export type ArgsChain = readonly Readonly<Partial<Record<CostArgument, unknown>>>[];

/**
 * How many items a list field can return, for the cost estimate:
 * - a number: at most that many;
 * - `'page'`: the items of a connection page, already counted by the connection field's `first`/`last`;
 * - a function: the bound given the arguments of the field and of the fields above it.
 */
export type ListBound = number | 'page' | ((args: ArgsChain) => number);

/** The nearest given value of the argument `name`. */
function nearest(args: ArgsChain, name: CostArgument): unknown {
  return args.find((a) => a[name] !== undefined && a[name] !== null)?.[name];
}

/** One item per entry of the nearest list argument `name`, at most `max` (more is refused). */
const perEntryOf =
  (name: CostArgument, max: number) =>
  (args: ArgsChain): number => {
    const given = nearest(args, name);
    return Array.isArray(given) ? Math.min(given.length, max) : max;
  };

/** At most the nearest `first` argument (its default applied), never more than `max`. */
const upToFirst =
  (max: number) =>
  (args: ArgsChain): number => {
    const given = nearest(args, 'first');
    return typeof given === 'number' ? Math.max(0, Math.min(given, max)) : max;
  };

/** At most the nearest `limit` argument, or `max` (what it accepts) when none is given. */
const upToLimit =
  (max: number) =>
  (args: ArgsChain): number => {
    const limit = nearest(args, 'limit');
    return typeof limit === 'number' ? Math.min(Math.max(0, limit), max) : max;
  };

/**
 * The bound of every field that returns a list of objects, by `Type.field`, or by `*.field` for a
 * field every type that has it shares (`references`, `revocationChain` of every ATT&CK object).
 * A test walks the schema and fails on a list field missing here: a new list is never costed as 1.
 * Lists of scalars need none: they are not objects, and the response-size limit bounds them.
 */
export const LIST_BOUNDS: Readonly<Record<string, ListBound>> = {
  '*.references': MAX_ITEMS.references,
  '*.revocationChain': MAX_ITEMS.revocationChain,

  'Query.nodes': perEntryOf('ids', MAX_NODE_IDS),
  'Query.tactics': ([own]) => (own?.domain ? MAX_ITEMS.domainTactics : MAX_ITEMS.tactics),
  'Query.matrices': MAX_ITEMS.matrices,
  'Query.releases': MAX_ITEMS.releases,
  // One count per GraphQL object type.
  'Release.counts': MAX_ITEMS.perObject,

  'Analytic.logSources': MAX_ITEMS.perObject,
  'Analytic.mutableElements': MAX_ITEMS.perObject,
  'Asset.relatedAssets': MAX_ITEMS.perObject,
  'DataComponent.logSources': MAX_ITEMS.perObject,
  'ImportRun.changes': MAX_ITEMS.objects,
  'ImportRun.defects': MAX_ITEMS.objects,
  'ImportRun.counts': MAX_ITEMS.perObject,
  'ImportRun.summary': MAX_ITEMS.perObject,
  'ChangeSet.counts': MAX_ITEMS.perObject,

  'TacticGroupEdge.techniques': MAX_ITEMS.tacticTechniques,
  'TechniqueUsageEdge.subtechniques': MAX_ITEMS.perObject,

  // Coverage is of one domain (enterprise by default).
  'Coverage.tactics': MAX_ITEMS.domainTactics,
  'TacticCoverage.covered': MAX_ITEMS.tacticTechniques,
  'TacticCoverage.partial': MAX_ITEMS.tacticTechniques,
  'TacticCoverage.uncovered': MAX_ITEMS.tacticTechniques,
  'TacticCoverage.coveredTechniques': MAX_ITEMS.tacticTechniques,
  'CoveredTechnique.rules': MAX_ITEMS.rulesPerTechnique,
  'CoverageGap.logSources': MAX_ITEMS.perObject,
  'CoverageGap.dataComponents': MAX_ITEMS.perObject,
  // Atomic tests of one technique: as many as Technique.atomicTests (atomic-bounds.ts).
  'CoverageGap.atomicTests': 256,
  // Sigma rules (src/schema/types/sigma.ts): a page of `first` (at most 1000), a technique's rules.
  'SigmaRuleList.nodes': upToFirst(1_000),
  'Technique.detectionRules': MAX_ITEMS.rulesPerTechnique,
  'SigmaRule.techniques': MAX_ITEMS.perObject,
  'SigmaRule.unknownTechniqueIds': MAX_ITEMS.perObject,
  'SigmaRule.tags': MAX_ITEMS.perObject,
  'SigmaRule.techniqueIds': MAX_ITEMS.perObject,
  'SigmaRule.tacticShortnames': MAX_ITEMS.perObject,
  'Query.rulePacks': MAX_ITEMS.rulePacks,
  // The groups the gaps are ranked by: those given in `groups`, else every group.
  'CoverageGap.groups': perEntryOf('groups', MAX_ITEMS.groups),

  'Cooccurrence.techniques': upToLimit(MAX_ITEMS.ranked),
  'CooccurringTechnique.evidence': MAX_ITEMS.actors,
  'Prevalence.techniques': upToLimit(MAX_ITEMS.ranked),
  'Similarity.similar': upToLimit(MAX_ITEMS.ranked),
  // Techniques or software both groups use.
  'SimilarGroup.shared': MAX_ITEMS.techniques,

  'Detectable.techniques': MAX_ITEMS.techniques,
  'DetectableTechnique.analytics': MAX_ITEMS.perObject,
  'DetectableTechnique.strategies': MAX_ITEMS.perObject,
  'DetectionChain.strategies': MAX_ITEMS.perObject,
  'DetectionChain.logSources': MAX_ITEMS.perObject,
  'ChainStrategy.analytics': MAX_ITEMS.perObject,
  'ChainAnalytic.logSources': MAX_ITEMS.perObject,

  'MitigationPlan.steps': MAX_ITEMS.mitigations,
  'MitigationPlan.target': MAX_ITEMS.techniques,
  'MitigationPlan.uncovered': MAX_ITEMS.techniques,
  'MitigationPlan.unmitigable': MAX_ITEMS.techniques,
  'MitigationStep.added': MAX_ITEMS.techniques,

  'Overlap.items': MAX_ITEMS.objects,
  'Overlap.members': perEntryOf('objects', MAX_INPUT_IDS),
  'Overlap.shared': MAX_ITEMS.objects,
  'OverlapItem.usedBy': perEntryOf('objects', MAX_INPUT_IDS),
  'OverlapMember.items': MAX_ITEMS.objects,
  'OverlapMember.unique': MAX_ITEMS.objects,

  'Paths.paths': upToLimit(MAX_ITEMS.paths),
  'Path.nodes': MAX_ITEMS.pathNodes,
  'Path.steps': MAX_ITEMS.pathNodes,

  'TechniqueChanges.relationships': MAX_ITEMS.objects,
  'TechniqueChanges.mitigations': MAX_ITEMS.mitigations,
  'TechniqueChanges.detections': MAX_ITEMS.objects,

  ...RELEASE_LIST_BOUNDS,
  ...CONTROL_LIST_BOUNDS,
  ...ATOMIC_LIST_BOUNDS,
};

/** Used for a list field missing from LIST_BOUNDS, so that an oversight costs much, never 1. */
export const UNKNOWN_LIST_BOUND = MAX_ITEMS.objects;

/** A connection type's `edges` and `nodes` hold its page; every connection type has `pageInfo`. */
export function listBoundOf(
  typeName: string,
  fieldName: string,
  isConnection: boolean,
): ListBound | undefined {
  if (isConnection && (fieldName === 'edges' || fieldName === 'nodes')) return 'page';
  return LIST_BOUNDS[`${typeName}.${fieldName}`] ?? LIST_BOUNDS[`*.${fieldName}`];
}
