import type { Context } from '../../context.ts';
import { RELATED } from '../../data/related.ts';
import { isDomain, type NodeRow } from '../../data/rows.ts';
import { builder } from '../builder.ts';
import { DomainEnum, ExternalReference, referencesOf } from './common.ts';
import { complete } from './complete.ts';
import { AttackObject, Software } from './refs.ts';
import { loadRelated, unfiltered } from './relations.ts';

/** The objects that replaced `row`, in order; empty unless it is revoked. */
async function revocationChain(row: NodeRow, ctx: Context): Promise<NodeRow[]> {
  if (!row.revoked) return [];
  const page = await loadRelated(ctx, RELATED['object.revocationChain'], row.stixId, unfiltered(64));
  return page.items.map((item) => item.node);
}

AttackObject.implement({
  description:
    'What every ATT&CK object has: identifiers, text, domains, lifecycle flags and citations. ' +
    'Revoked and deprecated objects are hidden from lists unless asked for.',
  interfaces: [builder.nodeInterfaceRef()],
  fields: (t) => ({
    stixId: t.exposeString('stixId', {
      description: 'The STIX id, such as `attack-pattern--0a3ead4e-…`; stable across releases.',
    }),
    stixType: t.exposeString('stixType', {
      description: 'The STIX type, such as `attack-pattern` or `intrusion-set`.',
    }),
    attackId: t.string({
      nullable: true,
      description: 'The ATT&CK ID, such as T1003.001, G0007 or TA0006; absent for a few object types.',
      resolve: (row) => row.attackId ?? null,
    }),
    name: t.exposeString('name', { description: 'The display name.' }),
    description: t.string({
      nullable: true,
      description: 'The description, in Markdown with `(Citation: …)` markers that name `references`.',
      resolve: async (row, _args, ctx) => (await complete(ctx, row)).description ?? null,
    }),
    url: t.string({
      nullable: true,
      description: 'The page on attack.mitre.org.',
      resolve: async (row, _args, ctx) => (await complete(ctx, row)).url ?? null,
    }),
    domains: t.field({
      type: [DomainEnum],
      description: 'The domains this object belongs to; one object can be in several.',
      resolve: async (row, _args, ctx) => ((await complete(ctx, row)).domains ?? []).filter(isDomain),
    }),
    platforms: t.stringList({
      description: 'The platforms it applies to, such as Windows or Android (empty when none apply).',
      resolve: async (row, _args, ctx) => (await complete(ctx, row)).platforms ?? [],
    }),
    aliases: t.stringList({
      description: 'Other names (groups, campaigns and software).',
      resolve: async (row, _args, ctx) => (await complete(ctx, row)).aliases ?? [],
    }),
    version: t.string({
      nullable: true,
      description: 'The object version (`x_mitre_version`).',
      resolve: async (row, _args, ctx) => (await complete(ctx, row)).version ?? null,
    }),
    created: t.string({
      nullable: true,
      description: 'When it was created (ISO 8601).',
      resolve: async (row, _args, ctx) => (await complete(ctx, row)).created ?? null,
    }),
    modified: t.string({
      nullable: true,
      description: 'When it last changed (ISO 8601).',
      resolve: async (row, _args, ctx) => (await complete(ctx, row)).modified ?? null,
    }),
    revoked: t.boolean({
      description: 'Whether another object replaced this one.',
      resolve: (row) => row.revoked ?? false,
    }),
    deprecated: t.boolean({
      description: 'Whether MITRE no longer maintains it.',
      resolve: (row) => row.deprecated ?? false,
    }),
    contributors: t.stringList({
      description: 'The people and organisations credited for it.',
      resolve: async (row, _args, ctx) => (await complete(ctx, row)).contributors ?? [],
    }),
    references: t.field({
      type: [ExternalReference],
      description: 'Its citations and external references (the ATT&CK ID reference itself excluded).',
      resolve: async (row, _args, ctx) => referencesOf((await complete(ctx, row)).referencesJson),
    }),
    revokedBy: t.field({
      type: AttackObject,
      nullable: true,
      description: 'For a revoked object, what replaces it now: the end of the whole `revoked-by` chain.',
      resolve: async (row, _args, ctx) => (await revocationChain(row, ctx)).at(-1) ?? null,
    }),
    revocationChain: t.field({
      type: [AttackObject],
      description: 'For a revoked object, every replacement in order, the current one last; otherwise empty.',
      resolve: (row, _args, ctx) => revocationChain(row, ctx),
    }),
  }),
});

Software.implement({
  description: 'Malware or a tool: software that groups and campaigns use.',
  interfaces: [builder.nodeInterfaceRef(), AttackObject],
  fields: (t) => ({
    labels: t.stringList({
      description: 'The STIX labels of the software.',
      resolve: async (row, _args, ctx) => (await complete(ctx, row)).labels ?? [],
    }),
  }),
});
