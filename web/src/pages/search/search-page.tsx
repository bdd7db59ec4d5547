import { useQuery } from '@urql/preact';
import { useRef, useState } from 'preact/hooks';
import { ErrorNote } from '../../components/status.tsx';
import { graphql } from '../../graphql.ts';
import { currentRelease } from '../../release.ts';
import { Link, navigate, type Place } from '../../router.tsx';

export const SearchQuery = graphql(`
  query Search($text: String!, $release: String) {
    search(text: $text, first: 60, release: $release) {
      totalCount
      edges { score node { __typename attackId name url } }
    }
  }
`);

/** Where a result opens: the explorer's own page when it has one, else attack.mitre.org. */
function hrefOf(type: string, attackId: string | null, url: string | null): string | null {
  if (type === 'Technique' && attackId) return `/techniques/${attackId}`;
  if (type === 'Group' && attackId) return `/groups/${attackId}`;
  return url;
}

/** /search?q=lsass — results grouped by type; arrow keys move from the box through the results. */
export function SearchPage({ place }: { place: Place }) {
  const text = place.params.get('q') ?? '';
  const [draft, setDraft] = useState(text);
  const list = useRef<HTMLDivElement>(null);
  const [{ data, fetching, error }] = useQuery({
    query: SearchQuery,
    variables: { text, release: currentRelease() },
    pause: !text,
  });
  const groups = new Map<string, { attackId: string | null; name: string | null; url: string | null }[]>();
  for (const edge of data?.search.edges ?? []) {
    const type = edge.node.__typename;
    groups.set(type, [...(groups.get(type) ?? []), edge.node]);
  }
  const move = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const links = [...(list.current?.querySelectorAll<HTMLAnchorElement>('a') ?? [])];
    const at = links.indexOf(document.activeElement as HTMLAnchorElement);
    const next = event.key === 'ArrowDown' ? at + 1 : at - 1;
    event.preventDefault();
    if (next < 0) document.getElementById('search-box')?.focus();
    else links[Math.min(next, links.length - 1)]?.focus();
  };
  return (
    <main onKeyDown={move}>
      <h1>Search</h1>
      <search>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            navigate(`/search?q=${encodeURIComponent(draft.trim())}`);
          }}
        >
          <label>
            Words{' '}
            <input
              id="search-box"
              type="search"
              value={draft}
              onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
            />
          </label>
          <button type="submit">Search</button>
        </form>
      </search>
      {error && <ErrorNote error={error} />}
      {fetching && <p aria-live="polite">Searching…</p>}
      {data && (
        <div ref={list} class="results" aria-live="polite">
          <p>
            {data.search.totalCount} results for “{text}”
          </p>
          {[...groups].map(([type, nodes]) => (
            <section key={type} aria-label={type}>
              <h2>
                {type} ({nodes.length})
              </h2>
              <ul>
                {nodes.map((n) => {
                  const href = hrefOf(type, n.attackId, n.url);
                  const label = `${n.attackId ?? ''} ${n.name ?? ''}`;
                  return (
                    <li key={`${type}-${n.attackId}`}>
                      {href?.startsWith('/') ? (
                        <Link href={href}>{label}</Link>
                      ) : (
                        <a href={href ?? '#'}>{label}</a>
                      )}
                    </li>
                  );
                })}
              </ul>
            </section>
          ))}
        </div>
      )}
    </main>
  );
}
