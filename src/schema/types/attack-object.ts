import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../../context.ts';
import { nodesOnly, RELATED } from '../../data/related.ts';
import { isDomain, type NodeRow } from '../../data/rows.ts';
import { builder } from '../builder.ts';
import { nodeProjection, readsKeysAndKey } from '../selection.ts';
import { DomainEnum, ExternalReference, referencesOf } from './common.ts';
import { orEmpty, orNull, stored, storedValue } from './complete.ts';
import { AttackObject, objectTypeOf, Software } from './refs.ts';
import { loadRelated, unfiltered } from './relations.ts';

/** The objects that replaced `row`, in order; empty unless it is revoked. */
async function revocationChain(row: NodeRow, ctx: Context, info: GraphQLResolveInfo): Promise<NodeRow[]> {
  if (!(await storedValue(ctx, row, 'revoked'))) return [];
  // The chain is short and read whole: counted, so the query slices it rather than paging in Cypher.
  const reads = nodesOnly(nodeProjection(info), true);
  const page = await loadRelated(ctx, RELATED['object.revocationChain'], reads, row, unfiltered(64));
  return page.items.map((item) => item.node);
}

AttackObject.implement({
  description:
    'What every ATT&CK object has: identifiers, text, domains, lifecycle flags and citations. ' +
    'Revoked and deprecated objects are hidden from lists unless asked for.',
  interfaces: [builder.nodeInterfaceRef()],
  resolveType: objectTypeOf,
  fields: (t) => ({
    stixId: t.exposeString('stixId', {
      description: 'The STIX id, such as `attack-pattern--0a3ead4e-…`; stable across releases.',
    }),
    release: t.string({
      description: 'The ATT&CK release this object was read from, such as `18.1` (see `releases`).',
      ...stored('release', (v) => v ?? ''),
    }),
    stixType: t.string({
      description: 'The STIX type, such as `attack-pattern` or `intrusion-set`.',
      ...stored('stixType', (v) => v ?? ''),
    }),
    attackId: t.string({
      nullable: true,
      description: 'The ATT&CK ID, such as T1003.001, G0007 or TA0006; absent for a few object types.',
      ...stored('attackId', orNull),
    }),
    name: t.string({ description: 'The display name.', ...stored('name', (v) => v ?? '') }),
    description: t.string({
      nullable: true,
      description: 'The description, in Markdown with `(Citation: …)` markers that name `references`.',
      ...stored('description', orNull),
    }),
    url: t.string({
      nullable: true,
      description: 'The page on attack.mitre.org.',
      ...stored('url', orNull),
    }),
    domains: t.field({
      type: [DomainEnum],
      description: 'The domains this object belongs to; one object can be in several.',
      ...stored('domains', (v) => (v ?? []).filter(isDomain)),
    }),
    platforms: t.stringList({
      description: 'The platforms it applies to, such as Windows or Android (empty when none apply).',
      ...stored('platforms', orEmpty),
    }),
    aliases: t.stringList({
      description: 'Other names (groups, campaigns and software).',
      ...stored('aliases', orEmpty),
    }),
    version: t.string({
      nullable: true,
      description: 'The object version (`x_mitre_version`).',
      ...stored('version', orNull),
    }),
    created: t.string({
      nullable: true,
      description: 'When it was created (ISO 8601).',
      ...stored('created', orNull),
    }),
    modified: t.string({
      nullable: true,
      description: 'When it last changed (ISO 8601).',
      ...stored('modified', orNull),
    }),
    revoked: t.boolean({
      description: 'Whether another object replaced this one.',
      ...stored('revoked', (v) => v ?? false),
    }),
    deprecated: t.boolean({
      description: 'Whether MITRE no longer maintains it.',
      ...stored('deprecated', (v) => v ?? false),
    }),
    contributors: t.stringList({
      description: 'The people and organisations credited for it.',
      ...stored('contributors', orEmpty),
    }),
    references: t.field({
      type: [ExternalReference],
      description: 'Its citations and external references (the ATT&CK ID reference itself excluded).',
      ...stored('referencesJson', referencesOf),
    }),
    revokedBy: t.field({
      type: AttackObject,
      nullable: true,
      description: 'For a revoked object, what replaces it now: the end of the whole `revoked-by` chain.',
      extensions: readsKeysAndKey('revoked'),
      resolve: async (row, _args, ctx, info) => (await revocationChain(row, ctx, info)).at(-1) ?? null,
    }),
    revocationChain: t.field({
      type: [AttackObject],
      description: 'For a revoked object, every replacement in order, the current one last; otherwise empty.',
      extensions: readsKeysAndKey('revoked'),
      resolve: (row, _args, ctx, info) => revocationChain(row, ctx, info),
    }),
  }),
});

Software.implement({
  description: 'Malware or a tool: software that groups and campaigns use.',
  interfaces: [builder.nodeInterfaceRef(), AttackObject],
  resolveType: objectTypeOf,
  fields: (t) => ({
    labels: t.stringList({
      description: 'The STIX labels of the software.',
      ...stored('labels', orEmpty),
    }),
  }),
});
