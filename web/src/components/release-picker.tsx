import { useQuery } from '@urql/preact';
import { graphql } from '../graphql.ts';
import { navigate, type Place, withParams } from '../router.tsx';

export const ReleasesQuery = graphql(`
  query Releases {
    releases { domain release }
  }
`);

/**
 * Which ATT&CK release the pages read (the `release` URL parameter), offered only when more than
 * one is imported; "newest" removes the parameter, so the pages follow the API's default.
 */
export function ReleasePicker({ place }: { place: Place }) {
  const [{ data }] = useQuery({ query: ReleasesQuery });
  // The API lists them newest first: the first name is the default.
  const names = [...new Set((data?.releases ?? []).map((r) => r.release).filter((r): r is string => !!r))];
  if (names.length < 2) return null;
  return (
    <label class="release">
      ATT&amp;CK release{' '}
      <select
        value={place.params.get('release') ?? ''}
        onChange={(e) =>
          navigate(withParams(place, { release: (e.target as HTMLSelectElement).value }), {
            carryRelease: false,
          })
        }
      >
        <option value="">newest ({names[0]})</option>
        {names.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}
