import { GraphQLError } from 'graphql';
import type { Context } from '../../context.ts';
import { fetchReleases, type ReleaseRow, UNKNOWN_RELEASE } from '../../data/releases.ts';
import type { ReleaseArg } from '../../data/rows.ts';
import { builder } from '../builder.ts';

/*
 * Releases side by side (docs/architecture.md): every root field reads one release, the newest
 * imported unless `release` names another; `releases` lists what is imported.
 */

/** The imported releases at the request's data version: read once per version and kept. */
export const releasesOf = (ctx: Context): Promise<readonly ReleaseRow[]> =>
  ctx.perImport.get(ctx.db, 'releases', fetchReleases);

/** `release`, the argument of every root query field. */
export const releaseArg = builder.args((t) => ({
  release: t.string({
    required: false,
    description:
      'The ATT&CK release to read, such as `17.1` (see `releases`); the newest imported when absent.',
  }),
}));

export interface ReleaseArgs {
  release?: ReleaseArg;
}

/**
 * Refuses a release that is not imported (UNKNOWN_RELEASE, naming it and listing the imported
 * ones). Costs nothing without a release. With one, start it together with the field's own reads
 * (`withRelease`): the list is kept per data version, so it usually costs no round trip at all.
 */
export async function checkRelease(ctx: Context, release: ReleaseArg): Promise<void> {
  if (release == null) return;
  const imported = await releasesOf(ctx);
  if (imported.some((r) => r.release === release)) return;
  const names = [...new Set(imported.map((r) => r.release))];
  throw new GraphQLError(
    `Unknown release "${release}": imported are ${names.length ? names.join(', ') : 'none'}.`,
    { extensions: { code: UNKNOWN_RELEASE, release, releases: names } },
  );
}

/**
 * `read` of the release `release` names, refused when it is not imported. The check and the read
 * start in the same tick, so they travel in one batch: no round trip is added.
 */
export async function withRelease<T>(ctx: Context, release: ReleaseArg, read: () => Promise<T>): Promise<T> {
  if (release == null) return read();
  const [, value] = await Promise.all([checkRelease(ctx, release), read()]);
  return value;
}

const TypeCount = builder.simpleObject('ReleaseTypeCount', {
  description: 'How many objects of one type a release holds.',
  fields: (t) => ({
    type: t.string({ description: 'The GraphQL type name, such as `Technique`.' }),
    count: t.int({ description: 'How many objects of that type, revoked and deprecated ones included.' }),
  }),
});

const Release = builder.objectRef<ReleaseRow>('Release').implement({
  description: 'One imported ATT&CK release of one domain.',
  fields: (t) => ({
    domain: t.exposeString('domain', { description: 'The domain, such as `enterprise-attack`.' }),
    release: t.exposeString('release', { description: 'The ATT&CK release, such as `18.1`.' }),
    modified: t.exposeString('modified', {
      nullable: true,
      description: "When MITRE last changed it: the collection's `modified` (ISO 8601).",
    }),
    importedAt: t.exposeString('importedAt', {
      nullable: true,
      description: 'When it was imported into this graph (ISO 8601).',
    }),
    objectCount: t.exposeInt('objectCount', { description: 'How many objects the domain holds in it.' }),
    relationshipCount: t.exposeInt('relationshipCount', {
      description: 'How many relationships join its objects.',
    }),
    counts: t.field({
      type: [TypeCount],
      description: 'How many objects of each type, by type name.',
      resolve: (r) =>
        Object.entries(r.counts)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([type, count]) => ({ type, count })),
    }),
    current: t.exposeBoolean('current', {
      description: 'Whether queries read this release when they name none: the newest imported.',
    }),
  }),
});

builder.queryField('releases', (t) =>
  t.field({
    type: [Release],
    description: 'The imported releases, per domain: newest first, then by domain.',
    resolve: (_root, _args, ctx) => releasesOf(ctx),
  }),
);
