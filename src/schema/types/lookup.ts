import type { GraphQLResolveInfo } from 'graphql';
import { z } from 'zod';
import type { Context } from '../../context.ts';
import { fetchList, type LookupKeys, lookupAhead } from '../../data/objects.ts';
import type { Reads } from '../../data/related.ts';
import type { Label, NodeRow } from '../../data/rows.ts';
import { builder } from '../builder.ts';
import { connectionReads, nodeProjection } from '../selection.ts';
import {
  asItems,
  badInput,
  DomainEnum,
  type PageArgs,
  toConnection,
  type VisibilityArgs,
  visibilityArgs,
  visibilityOf,
  windowOf,
} from './common.ts';
import { levelsAhead, primeRelated } from './relations.ts';
import { type ReleaseArgs, releaseArg, withRelease } from './release.ts';
import { MAX_SEARCH_WORDS, searchText } from './search-text.ts';

/** What ATT&CK IDs and STIX ids of each type look like; lookups refuse anything else. */
export const ID_FORMATS: Record<Label, { attackId: RegExp; example: string; stixTypes: string[] }> = {
  Tactic: { attackId: /^TA\d{4}$/, example: 'TA0006', stixTypes: ['x-mitre-tactic'] },
  Technique: { attackId: /^T\d{4}(\.\d{3})?$/, example: 'T1003 or T1003.001', stixTypes: ['attack-pattern'] },
  Group: { attackId: /^G\d{4}$/, example: 'G0007', stixTypes: ['intrusion-set'] },
  Software: { attackId: /^S\d{4}$/, example: 'S0002', stixTypes: ['malware', 'tool'] },
  Malware: { attackId: /^S\d{4}$/, example: 'S0022', stixTypes: ['malware'] },
  Tool: { attackId: /^S\d{4}$/, example: 'S0002', stixTypes: ['tool'] },
  // Deprecated mitigations kept the technique IDs they were created with.
  Mitigation: { attackId: /^(M|T)\d{4}$/, example: 'M1026', stixTypes: ['course-of-action'] },
  Campaign: { attackId: /^C\d{4}$/, example: 'C0024', stixTypes: ['campaign'] },
  DataSource: { attackId: /^DS\d{4}$/, example: 'DS0009', stixTypes: ['x-mitre-data-source'] },
  DataComponent: { attackId: /^DC\d{4}$/, example: 'DC0001', stixTypes: ['x-mitre-data-component'] },
  DetectionStrategy: {
    attackId: /^DET\d{4}$/,
    example: 'DET0001',
    stixTypes: ['x-mitre-detection-strategy'],
  },
  Analytic: { attackId: /^AN\d{4}$/, example: 'AN0001', stixTypes: ['x-mitre-analytic'] },
  Asset: { attackId: /^A\d{4}$/, example: 'A0001', stixTypes: ['x-mitre-asset'] },
  Matrix: {
    attackId: /^(enterprise|mobile|ics)-attack$/,
    example: 'enterprise-attack',
    stixTypes: ['x-mitre-matrix'],
  },
};

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** The arguments of a lookup: one key, optionally narrowed to a domain. */
export function lookupArgs(label: Label, what: string) {
  const format = ID_FORMATS[label];
  const stixId = new RegExp(`^(${format.stixTypes.join('|')})--${UUID}$`);
  return builder.args((t) => ({
    attackId: t.string({
      required: false,
      description: `The ATT&CK ID of the ${what}, such as ${format.example}.`,
      validate: z
        .string()
        .regex(format.attackId, `expected an ATT&CK ID of a ${what}, such as ${format.example}`),
    }),
    stixId: t.string({
      required: false,
      description: `The STIX id of the ${what} (\`${format.stixTypes[0]}--<uuid>\`).`,
      validate: z
        .string()
        .regex(stixId, `expected a STIX id of a ${what}: ${format.stixTypes.join(' or ')}--<uuid>`),
    }),
    name: t.string({
      required: false,
      description: `The name of the ${what}, or one of its aliases; case-insensitive.`,
      validate: z.string().trim().min(1, 'expected a non-empty name'),
    }),
    domain: t.field({
      type: DomainEnum,
      required: false,
      description: 'Only look in this domain; without it, enterprise wins over mobile over ICS.',
    }),
    ...releaseArg,
  }));
}

const LOOKUP_KEYS = ['attackId', 'stixId', 'name'];

/**
 * Finds one object by exactly one of its keys; `null` when nothing matches. The object's relation
 * fields that the operation selects (see `levelsAhead`) are read in the same statement, one round
 * trip for the object and its lists, and handed to the loaders those fields use.
 */
export async function resolveLookup(
  ctx: Context,
  label: Label,
  args: LookupKeys,
  info: GraphQLResolveInfo,
  keyNames = LOOKUP_KEYS,
) {
  const given = keyNames.filter((k) => args[k as keyof LookupKeys] != null);
  if (given.length !== 1) {
    throw badInput(
      `Give exactly one of ${keyNames.join(', ')} (got ${given.length ? given.join(', ') : 'none'}).`,
    );
  }
  const keys = nodeProjection(info);
  const levels = keys.includes('stixId') ? levelsAhead(info) : [];
  const { node, pages } = await withRelease(ctx, args.release, () =>
    lookupAhead(ctx.db, label, args, keys, levels),
  );
  if (node) {
    for (const [i, level] of levels.entries()) {
      const page = pages[i];
      if (page) primeRelated(ctx, level, [[node, page]]);
    }
  }
  return node;
}

/** `platform`, `search` and the visibility filters of the root lists. */
export const listArgs = builder.args((t) => ({
  platform: t.string({
    required: false,
    description: 'Only objects for this platform, such as Windows or Android (case-insensitive).',
  }),
  search: t.string({
    required: false,
    validate: searchText,
    description: `Only objects whose name, aliases or description match these words (full-text; at most ${MAX_SEARCH_WORDS} words).`,
  }),
  ...releaseArg,
}));

export interface ListArgs extends PageArgs, VisibilityArgs, ReleaseArgs {
  platform?: string | null;
  search?: string | null;
  tactic?: string | null;
  includeSubtechniques?: boolean | null;
}

/** One page of a root list, in the stable order (ATT&CK ID, then name). */
export async function resolveList(ctx: Context, label: Label, args: ListArgs, reads: Reads) {
  const window = windowOf(args);
  const page = await withRelease(ctx, args.release, () =>
    fetchList(
      ctx.db,
      label,
      {
        ...visibilityOf(args),
        ...window,
        platform: args.platform,
        search: args.search,
        tactic: args.tactic,
        includeSubtechniques: args.includeSubtechniques,
        release: args.release,
      },
      reads,
    ),
  );
  return toConnection(asItems<NodeRow>(page), window);
}

/** The options of a root lookup field: one `type` by ATT&CK ID, STIX id or name, or `null`. */
export const lookupField = <Type>(label: Label, type: Type, what: string, description: string) => ({
  type,
  nullable: true as const,
  description,
  args: lookupArgs(label, what),
  resolve: (_root: unknown, args: LookupKeys, ctx: Context, info: GraphQLResolveInfo) =>
    resolveLookup(ctx, label, args, info),
});

/** The options of a root list field: every `type`, filtered and paged; pass its connection type along. */
export const listField = <Type>(label: Label, type: Type, description: string) => ({
  nullable: false as const,
  type,
  description,
  args: { ...visibilityArgs, ...listArgs },
  resolve: (_root: unknown, args: ListArgs, ctx: Context, info: GraphQLResolveInfo) =>
    resolveList(ctx, label, args, connectionReads(info)),
});
