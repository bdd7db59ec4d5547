/**
 * The two catalogs a release diff or a migration compares, read from their snapshots, checked
 * against the imported releases first, and kept per data version (Context.perImport): a catalog is
 * the whole release, and the second question on the same pair should not read it again.
 */
import type { Context } from '../../context.ts';
import { checkDomainRelease, fetchCatalog } from '../../data/releases.ts';
import type { Domain } from '../../data/rows.ts';
import type { Catalog } from '../../releases/catalog.ts';
import { badInput } from './common.ts';
import { releasesOf } from './release.ts';

export const catalogOfRelease = (ctx: Context, domain: Domain, release: string): Promise<Catalog> =>
  ctx.perImport.get(ctx.db, `releases:catalog ${domain} ${release}`, (db) =>
    fetchCatalog(db, domain, release),
  );

/**
 * `from` and `to` of `domain`, both imported (an absent `to` is the domain's newest release), and
 * their catalogs. Either unknown: UNKNOWN_RELEASE naming it, before anything else is read.
 */
export async function catalogPair(
  ctx: Context,
  domain: Domain,
  from: string,
  to: string | null | undefined,
): Promise<[Catalog, Catalog]> {
  const imported = await releasesOf(ctx);
  const x = checkDomainRelease(imported, domain, from, 'from');
  const y = checkDomainRelease(imported, domain, to, 'to');
  return Promise.all([catalogOfRelease(ctx, domain, x), catalogOfRelease(ctx, domain, y)]);
}

/** The pure functions' refusals (unknown subject, wrong kind) are the caller's input: BAD_USER_INPUT. */
export function asUserError<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof Error) throw badInput(error.message);
    throw error;
  }
}
