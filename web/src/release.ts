/**
 * The ATT&CK release every page reads: the `release` URL parameter (such as 17.1), or null for the
 * API's default, the newest imported. Links and navigation carry it along (router.tsx), so a
 * shared URL shows the same release on every page it leads to.
 */
export function currentRelease(): string | null {
  return new URLSearchParams(location.search).get('release') || null;
}

/** `href` with the current release added, unless it names one itself or is not one of our pages. */
export function keepRelease(href: string): string {
  const release = currentRelease();
  if (!release || !href.startsWith('/') || href.startsWith('/graphql')) return href;
  if (new URL(href, location.origin).searchParams.has('release')) return href;
  // Appended as is, so the rest of the URL keeps its spelling (commas stay commas).
  const [path = '', hash] = href.split('#');
  const added = `${path}${path.includes('?') ? '&' : '?'}release=${encodeURIComponent(release)}`;
  return hash === undefined ? added : `${added}#${hash}`;
}

/** A layer download's query string with the current release, as the /layers routes take it. */
export function withRelease(query: URLSearchParams): URLSearchParams {
  const release = currentRelease();
  const out = new URLSearchParams(query);
  if (release) out.set('release', release);
  return out;
}
