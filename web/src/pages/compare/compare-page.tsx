import { useQuery } from '@urql/preact';
import { useState } from 'preact/hooks';
import { Legend } from '../../components/legend.tsx';
import { Matrix } from '../../components/matrix.tsx';
import { ErrorNote } from '../../components/status.tsx';
import { currentRelease } from '../../release.ts';
import { Link, navigate, type Place, withParams } from '../../router.tsx';
import { MatrixQuery } from '../matrix/documents.ts';
import { markFor, toMatrix } from '../matrix/matrix-page.tsx';
import { type GroupUsage, useGroupUsages } from '../matrix/overlay.ts';

const MAX_GROUPS = 5;

/** Techniques every group uses, and per group the ones no other chosen group uses. */
export function overlap(groups: GroupUsage[]): { shared: string[]; unique: Map<string, string[]> } {
  const [first, ...rest] = groups;
  const shared = first
    ? [...first.techniques].filter((t) => rest.every((g) => g.techniques.has(t))).sort()
    : [];
  const unique = new Map(
    groups.map((g) => [
      g.attackId,
      [...g.techniques].filter((t) => groups.every((o) => o === g || !o.techniques.has(t))).sort(),
    ]),
  );
  return { shared, unique };
}

/** /compare?groups=G0007,G0016 — two to five groups on the matrix, and what they share. */
export function ComparePage({ place }: { place: Place }) {
  const ids = (place.params.get('groups') ?? '')
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean)
    .slice(0, MAX_GROUPS);
  const [{ data, error }] = useQuery({
    query: MatrixQuery,
    variables: { domain: 'ENTERPRISE', release: currentRelease() },
  });
  const usages = useGroupUsages(ids, ['DIRECT']);
  const [draft, setDraft] = useState('');
  const tactics = toMatrix(data);
  const subsOf = new Map(
    tactics.flatMap((t) => t.techniques.map((x) => [x.attackId, x.subtechniques.map((s) => s.attackId)])),
  );
  const { shared, unique } = overlap(usages.groups);
  const setGroups = (next: string[]) =>
    navigate(withParams(place, { groups: next.join(',') }), { replace: true });
  return (
    <main aria-busy={usages.fetching}>
      <h1>Compare groups</h1>
      <form
        class="controls"
        onSubmit={(event) => {
          event.preventDefault();
          const id = draft.trim().toUpperCase();
          if (id && !ids.includes(id) && ids.length < MAX_GROUPS) setGroups([...ids, id]);
          setDraft('');
        }}
      >
        <label>
          Add a group (ATT&amp;CK ID, two to five){' '}
          <input
            value={draft}
            placeholder="G0007"
            onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" disabled={ids.length >= MAX_GROUPS}>
          Add
        </button>
      </form>
      <ul class="chips" aria-label="Compared groups">
        {ids.map((id) => (
          <li key={id}>
            {usages.groups.find((g) => g.attackId === id)?.name ?? id}{' '}
            <button
              type="button"
              aria-label={`Remove ${id}`}
              onClick={() => setGroups(ids.filter((g) => g !== id))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      {ids.length < 2 && <p>Choose at least two groups.</p>}
      {error && <ErrorNote error={error} />}
      {usages.problems.map((p) => (
        <ErrorNote key={p} message={p} />
      ))}
      {ids.length >= 2 && !usages.fetching && usages.groups.length === ids.length && (
        <>
          <section aria-label="Shared and unique techniques">
            <h2>Shared by all ({shared.length})</h2>
            <p class="technique-list">
              {shared.map((t) => (
                <Link key={t} href={`/techniques/${t}`}>
                  {t}
                </Link>
              ))}
            </p>
            <table>
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col">Techniques</th>
                  <th scope="col">Only this group ({'of the ones compared'})</th>
                </tr>
              </thead>
              <tbody>
                {usages.groups.map((g) => (
                  <tr key={g.attackId}>
                    <th scope="row">
                      <Link href={`/groups/${g.attackId}`}>
                        {g.attackId} {g.name}
                      </Link>
                    </th>
                    <td>{g.techniques.size}</td>
                    <td class="technique-list">
                      {(unique.get(g.attackId) ?? []).map((t) => (
                        <Link key={t} href={`/techniques/${t}`}>
                          {t}
                        </Link>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <Legend groups={usages.groups} />
          {tactics.length > 0 && (
            <Matrix
              label="Compared groups on the enterprise matrix"
              tactics={tactics}
              onlyMarked
              mark={(id) => {
                const mark = markFor(usages.groups, id, subsOf.get(id) ?? []);
                return mark?.heat || mark?.subOnly ? mark : undefined;
              }}
              isExpanded={() => true}
              toggleHref={() => withParams(place, {})}
              onToggle={() => undefined}
            />
          )}
        </>
      )}
    </main>
  );
}
