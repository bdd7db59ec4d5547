import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';
import type { Context } from '../../context.ts';
import { resolveKeys } from '../../data/analytics/common.ts';
import {
  fetchRulePacks,
  fetchRules,
  type RulePackRow,
  rulesByKey,
  rulesByTechnique,
  SIGMA_RULE_FIELDS,
  type SigmaRuleField,
  type SigmaRuleFilter,
  type SigmaRuleRow,
} from '../../data/sigma.ts';
import { builder, PAGE_SIZE } from '../builder.ts';
import { readsKeys } from '../selection.ts';
import { badInput, checkPageSize } from './common.ts';
import { storedValue } from './complete.ts';
import { Technique } from './refs.ts';
import { checkRelease } from './release.ts';

/*
 * Sigma detection rules (imported with `npm run import -- sigma:…`). Rules are not per ATT&CK
 * release: a rule keeps the technique IDs its tags name, and `techniques(release:)` joins them to
 * the chosen release's techniques by ATT&CK ID when read; IDs that release does not know are listed
 * in `unknownTechniqueIds`.
 */

export const SigmaRule = builder.objectRef<SigmaRuleRow>('SigmaRule');
const RulePack = builder.objectRef<RulePackRow>('RulePack');

/** The rule fields a selection set names (through fragments too), to read only those. */
export function selectedRuleFields(
  info: GraphQLResolveInfo,
  set: SelectionSetNode | undefined,
): SigmaRuleField[] {
  const out = new Set<SigmaRuleField>();
  const visit = (s: SelectionSetNode | undefined) => {
    for (const sel of s?.selections ?? []) {
      if (sel.kind === 'Field') {
        const name = sel.name.value as SigmaRuleField;
        if ((SIGMA_RULE_FIELDS as readonly string[]).includes(name)) out.add(name);
        if (sel.name.value === 'nodes' || sel.name.value === 'edges' || sel.name.value === 'node')
          visit(sel.selectionSet);
      } else if (sel.kind === 'InlineFragment') visit(sel.selectionSet);
      else visit(info.fragments[sel.name.value]?.selectionSet);
    }
  };
  visit(set);
  return [...out];
}

/** The rule fields this field's selection names (every occurrence of the field, aliases merged). */
export const fieldsOf = (info: GraphQLResolveInfo) =>
  selectedRuleFields(info, {
    kind: Kind.SELECTION_SET,
    selections: info.fieldNodes.flatMap((f) => f.selectionSet?.selections ?? []),
  });

/** Technique STIX ids by (release, ATT&CK ID), one DataLoader per request: one query per release asked. */
const techniqueIds = createContextCache(
  (ctx: Context) =>
    new DataLoader(async (keys: readonly string[]) => {
      const byRelease = new Map<string, string[]>();
      for (const k of keys) {
        const [release = '', id = ''] = k.split('\0');
        byRelease.set(release, [...(byRelease.get(release) ?? []), id]);
      }
      const found = new Map<string, string | null>();
      await Promise.all(
        [...byRelease].map(async ([release, ids]) => {
          const resolved = await resolveKeys(ctx.db, ids, ['Technique'], null, release || null);
          for (const id of ids) found.set(`${release}\0${id}`, resolved.byKey.get(id) ?? null);
        }),
      );
      return keys.map((k) => found.get(k) ?? null);
    }),
);

async function techniquesOf(ctx: Context, rule: SigmaRuleRow, release: string | null | undefined) {
  await checkRelease(ctx, release);
  const ids = await techniqueIds(ctx).loadMany(rule.techniqueIds.map((id) => `${release ?? ''}\0${id}`));
  return rule.techniqueIds.map((id, i) => ({
    id,
    stixId: typeof ids[i] === 'string' ? (ids[i] as string) : null,
  }));
}

SigmaRule.implement({
  description:
    'A Sigma detection rule (https://sigmahq.io), as imported from a rule pack. Its `attack.*` tags name ' +
    'techniques and tactics by ATT&CK ID and shortname; they are joined to a release when read.',
  fields: (t) => ({
    key: t.exposeString('key', {
      description: 'Unique within the pack: the file path, plus `#n` for the n-th rule of a file.',
    }),
    pack: t.exposeString('pack', { description: 'The rule pack it was imported in.' }),
    ruleId: t.exposeString('ruleId', { nullable: true, description: "The rule's own `id` (a UUID)." }),
    title: t.exposeString('title', { description: 'The title.' }),
    status: t.exposeString('status', {
      nullable: true,
      description: '`stable`, `test`, `experimental`, `deprecated` or `unsupported`.',
    }),
    level: t.exposeString('level', {
      nullable: true,
      description: '`informational`, `low`, `medium`, `high` or `critical`.',
    }),
    description: t.exposeString('description', { nullable: true, description: 'What the rule detects.' }),
    author: t.exposeString('author', {
      nullable: true,
      description: 'Its authors (the licence asks that they be credited).',
    }),
    date: t.exposeString('date', { nullable: true, description: 'When it was written.' }),
    modified: t.exposeString('modified', { nullable: true, description: 'When it last changed.' }),
    product: t.exposeString('product', {
      nullable: true,
      description: 'Log source: the product, such as `windows`.',
    }),
    category: t.exposeString('category', {
      nullable: true,
      description: 'Log source: the category, such as `process_creation`.',
    }),
    service: t.exposeString('service', {
      nullable: true,
      description: 'Log source: the service, such as `security`.',
    }),
    path: t.exposeString('path', { description: 'The file, relative to the pack.' }),
    tags: t.exposeStringList('tags', { description: 'Every tag, as written.' }),
    techniqueIds: t.exposeStringList('techniqueIds', {
      description: 'The technique IDs its tags name (`T1003.001`), known or not.',
    }),
    tacticShortnames: t.exposeStringList('tacticShortnames', {
      description: 'The tactic shortnames its tags name.',
    }),
    techniques: t.field({
      type: [Technique],
      description:
        'The techniques its tags name, in `release` (default: the newest imported); unknown IDs are left out (see `unknownTechniqueIds`).',
      args: {
        release: t.arg.string({
          required: false,
          description: 'An imported ATT&CK release, such as `18.1`.',
        }),
      },
      resolve: async (rule, { release }, ctx) =>
        (await techniquesOf(ctx, rule, release)).flatMap((x) => (x.stixId ? [x.stixId] : [])),
    }),
    unknownTechniqueIds: t.stringList({
      description: 'The technique IDs its tags name that `release` does not know (newer or older ATT&CK).',
      args: {
        release: t.arg.string({
          required: false,
          description: 'An imported ATT&CK release, such as `18.1`.',
        }),
      },
      resolve: async (rule, { release }, ctx) =>
        (await techniquesOf(ctx, rule, release)).flatMap((x) => (x.stixId ? [] : [x.id])),
    }),
  }),
});

RulePack.implement({
  description: 'A set of Sigma rules imported together (`npm run import -- sigma:<dir | file | zip>`).',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Its name (the folder or file name, or `--pack`).' }),
    source: t.exposeString('source', { description: 'What was imported.' }),
    sha256: t.exposeString('sha256', {
      description: 'Over every file path and content: equal for an unchanged pack.',
    }),
    importedAt: t.exposeString('importedAt', { description: 'When it last changed in the graph.' }),
    ruleCount: t.exposeInt('ruleCount', { description: 'How many rules it holds.' }),
  }),
});

export const SigmaRuleFilterInput = builder.inputType('SigmaRuleFilter', {
  description: 'Which rules count. Each list matches any of its values; absent or empty: every rule.',
  fields: (t) => ({
    product: t.stringList({ required: false, description: 'Log source products, such as `windows`.' }),
    level: t.stringList({ required: false, description: 'Levels, such as `high`, `critical`.' }),
    status: t.stringList({ required: false, description: 'Statuses, such as `stable`, `test`.' }),
    pack: t.stringList({ required: false, description: 'Rule pack names.' }),
    path: t.string({
      required: false,
      description: 'A prefix of the rule file path, such as `rules/windows/`.',
    }),
  }),
});

export const toFilter = (f: SigmaRuleFilter | null | undefined): SigmaRuleFilter => f ?? {};

/** Rules per (filter, fields) and technique ID, one DataLoader per request: one query per filter. */
const rulesOfTechnique = createContextCache(
  (ctx: Context) =>
    new DataLoader(async (keys: readonly string[]) => {
      const groups = new Map<string, string[]>();
      for (const k of keys) {
        const [shape = '', id = ''] = k.split('\0');
        groups.set(shape, [...(groups.get(shape) ?? []), id]);
      }
      const found = new Map<string, SigmaRuleRow[]>();
      await Promise.all(
        [...groups].map(async ([shape, ids]) => {
          const { filter, fields } = JSON.parse(shape) as {
            filter: SigmaRuleFilter;
            fields: SigmaRuleField[];
          };
          const rules = await rulesByTechnique(ctx.db, ids, filter, fields);
          for (const [id, list] of rules) found.set(`${shape}\0${id}`, list);
        }),
      );
      return keys.map((k) => found.get(k) ?? []);
    }),
);

/** The rules whose tags name these ATT&CK IDs, batched with every other such read of the level. */
export const loadRulesOf = (
  ctx: Context,
  attackId: string,
  filter: SigmaRuleFilter,
  fields: SigmaRuleField[],
) => rulesOfTechnique(ctx).load(`${JSON.stringify({ filter, fields })}\0${attackId}`);

builder.objectFields(Technique, (t) => ({
  detectionRules: t.field({
    type: [SigmaRule],
    description:
      'The imported Sigma rules whose tags name this technique by its ATT&CK ID (exactly: a rule on the ' +
      'parent is not listed under a sub-technique, nor the reverse), in (pack, path) order.',
    args: {
      filter: t.arg({ type: SigmaRuleFilterInput, required: false, description: 'Which rules count.' }),
    },
    extensions: readsKeys('attackId'),
    resolve: async (row, { filter }, ctx, info) => {
      const attackId = await storedValue(ctx, row, 'attackId');
      if (!attackId) return [];
      return loadRulesOf(ctx, attackId, toFilter(filter), fieldsOf(info));
    },
  }),
}));

const SigmaRuleList = builder.simpleObject('SigmaRuleList', {
  description: 'Rules, in (pack, path) order.',
  fields: (t) => ({
    totalCount: t.int({ description: 'How many rules match.' }),
    nodes: t.field({ type: [SigmaRule], description: 'The rules of this page.' }),
  }),
});

builder.queryFields((t) => ({
  sigmaRules: t.field({
    type: SigmaRuleList,
    description:
      'Imported Sigma rules, filtered; `technique` narrows to the rules whose tags name that ATT&CK ID.',
    args: {
      filter: t.arg({ type: SigmaRuleFilterInput, required: false, description: 'Which rules count.' }),
      technique: t.arg.string({
        required: false,
        description: 'An ATT&CK technique ID, such as `T1003.001`.',
      }),
      first: t.arg.int({
        required: false,
        defaultValue: PAGE_SIZE.defaultSize,
        description: `At most this many (default ${PAGE_SIZE.defaultSize}, at most ${PAGE_SIZE.maxSize}).`,
      }),
      offset: t.arg.int({ required: false, defaultValue: 0, description: 'Skip this many first.' }),
    },
    resolve: async (_root, args, ctx, info) => {
      checkPageSize('first', args.first);
      if ((args.offset ?? 0) < 0) throw badInput(`offset: expected 0 or more, got ${args.offset}`);
      const first = args.first ?? PAGE_SIZE.defaultSize;
      const offset = args.offset ?? 0;
      const fields = fieldsOf(info);
      const filter = toFilter(args.filter);
      const rules = args.technique
        ? ((await rulesByTechnique(ctx.db, [args.technique], filter, fields)).get(args.technique) ?? [])
        : await fetchRules(ctx.db, filter, fields);
      return { totalCount: rules.length, nodes: rules.slice(offset, offset + first) };
    },
  }),
  sigmaRule: t.field({
    type: SigmaRule,
    nullable: true,
    description: 'One rule by its pack and key (see `SigmaRule.key`); null when there is none.',
    args: {
      pack: t.arg.string({ required: true, description: 'The rule pack.' }),
      key: t.arg.string({ required: true, description: 'The rule key: its path in the pack.' }),
    },
    resolve: async (_root, { pack, key }, ctx) => (await rulesByKey(ctx.db, [{ pack, key }]))[0] ?? null,
  }),
  rulePacks: t.field({
    type: [RulePack],
    description: 'The imported Sigma rule packs, by name.',
    resolve: (_root, _args, ctx) => fetchRulePacks(ctx.db),
  }),
}));
