import type { Context } from '../../../context.ts';
import { ACTOR_LABELS, type ActorKind } from '../../../data/analytics/usage.ts';
import { DEFAULT_VIA, type Via } from '../../../data/related.ts';
import type { CoreRow, Domain, ReleaseArg } from '../../../data/rows.ts';
import { builder } from '../../builder.ts';
import { badInput, DomainEnum, UsageViaEnum } from '../common.ts';
import { releaseArg } from '../release.ts';
import { knownRows, nodeRowHeld, nodeRows, nodeRowsHeld, sortObjects } from './cards.ts';

/** Refuses lists longer than `max`, naming the argument. */
export function checkList(name: string, list: readonly unknown[] | null | undefined, max: number) {
  if (list && list.length > max)
    throw badInput(`${name}: at most ${max} items may be given (got ${list.length})`);
}

/** Refuses numbers outside [min, max], naming the argument. */
export function checkRange(name: string, value: number, min: number, max: number) {
  if (!Number.isInteger(value) || value < min || value > max)
    throw badInput(`${name}: expected a whole number from ${min} to ${max} (got ${value})`);
}

export const MAX_INPUT_IDS = 200;
export const MAX_TECHNIQUE_IDS = 2000;

export const ActorKindEnum = builder.enumType('ActorKind', {
  description: 'A kind of object that uses techniques.',
  values: {
    GROUP: { value: 'GROUP', description: 'Groups (intrusion sets).' },
    CAMPAIGN: { value: 'CAMPAIGN', description: 'Campaigns.' },
    SOFTWARE: { value: 'SOFTWARE', description: 'Software: malware and tools.' },
  } as const,
});
export const ACTOR_KINDS = Object.keys(ACTOR_LABELS) as ActorKind[];

/** The `actors` argument: the kinds given, once each; groups when none are. */
export const kindsOf = (actors: readonly ActorKind[] | null | undefined): ActorKind[] =>
  actors?.length ? [...new Set(actors)] : ['GROUP'];

/** `domain`, `platform`, `via` and `rollUp`: how the analyst queries read usage. */
export const usageFilterArgs = builder.args((t) => ({
  domain: t.field({
    type: DomainEnum,
    required: false,
    description: 'Only objects and techniques of this domain (default: every domain).',
  }),
  platform: t.string({
    required: false,
    description: 'Only techniques of this platform, such as `Windows` (case-insensitive).',
  }),
  via: t.field({
    type: [UsageViaEnum],
    required: false,
    defaultValue: [...DEFAULT_VIA],
    description:
      "Which paths count as usage: DIRECT `uses`, the group's attributed CAMPAIGNs' `uses`, or the " +
      "SOFTWARE's `uses` of software the object uses. Default: DIRECT.",
  }),
  rollUp: t.boolean({
    required: false,
    defaultValue: false,
    description: 'Count the use of a sub-technique as use of its parent technique (default false).',
  }),
  ...releaseArg,
}));

export interface UsageFilterArgs {
  domain?: Domain | null;
  platform?: string | null;
  via?: readonly Via[] | null;
  rollUp?: boolean | null;
  release?: ReleaseArg;
}

export const filtersOf = (args: UsageFilterArgs) => ({
  release: args.release ?? null,
  domain: args.domain ?? null,
  platform: args.platform?.trim() || null,
  via: args.via?.length ? args.via : DEFAULT_VIA,
  rollUp: args.rollUp ?? false,
});

/**
 * Any ATT&CK object by node id (a STIX id names the newest release's object, see `refOfNodeId`),
 * as its core row, from the release's cards (see cards.ts). Fields of a loadable type return the
 * row rather than the id, so that the type's loader does not read the whole node.
 */
export function loadNode(ctx: Context, id: string): CoreRow | Promise<CoreRow> {
  const now = nodeRowHeld(ctx, id);
  if (now) return now;
  return nodeRows(ctx, [id]).then(([node]) => {
    if (!node) throw new Error(`no object ${id}`);
    return node;
  });
}

/** `loadNode` for a nullable id. */
export const loadNodeOrNull = (ctx: Context, id: string | null): CoreRow | Promise<CoreRow> | null =>
  id === null ? null : loadNode(ctx, id);

/** The known objects of `ids`, in the order of `ids`. */
export function loadNodes(ctx: Context, ids: readonly string[]): CoreRow[] | Promise<CoreRow[]> {
  return nodeRowsHeld(ctx, ids) ?? nodeRows(ctx, ids).then(knownRows);
}

/** The unknown keys of an input, said the same way in every result. */
export const unknownIdsField = {
  description:
    'Input ids and names that match no current object of the expected type (in the domain, when one is given), in input order.',
};

/** Nodes by STIX id in the API's stable order (ATT&CK ID, name, STIX id). */
export function sortedNodes(ctx: Context, ids: readonly string[]): CoreRow[] | Promise<CoreRow[]> {
  const now = nodeRowsHeld(ctx, ids);
  if (now) return sortObjects(ctx, now);
  return nodeRows(ctx, ids).then((nodes) => sortObjects(ctx, knownRows(nodes)));
}

export const UsageBasisEnum = builder.enumType('UsageBasis', {
  description: 'What to compare objects by: the techniques they use, the software they use, or both.',
  values: {
    TECHNIQUES: { value: 'TECHNIQUES', description: 'The techniques and sub-techniques used (see `via`).' },
    SOFTWARE: {
      value: 'SOFTWARE',
      description: "The software used: DIRECT `uses`, plus attributed campaigns' with CAMPAIGN.",
    },
    BOTH: { value: 'BOTH', description: 'Techniques and software together, as one set.' },
  } as const,
});
