import { useQuery } from '@urql/preact';
import { useState } from 'preact/hooks';
import { authHeaders } from '../../api-key.ts';
import { ErrorNote } from '../../components/status.tsx';
import { graphql } from '../../graphql.ts';
import { currentRelease, withRelease } from '../../release.ts';
import { Link, navigate, type Place, withParams } from '../../router.tsx';
import { readLayer } from './layer-file.ts';
import { MitigationPlan, planSize } from './mitigation-plan.tsx';

export const CoverageQuery = graphql(`
  query Coverage($detected: [String!]!, $groups: [String!], $release: String) {
    coverageGaps(detected: $detected, groups: $groups, release: $release) {
      covered
      total
      percent
      unknownIds
      tactics {
        tactic { name }
        uncovered { groupCount technique { attackId name } }
      }
    }
  }
`);

const list = (value: string | null) =>
  (value ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);

async function download(url: string, file: string): Promise<string | null> {
  const response = await fetch(url, { headers: authHeaders() });
  if (!response.ok) return `The download failed (HTTP ${response.status}).`;
  const href = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = href;
  link.download = file;
  link.click();
  URL.revokeObjectURL(href);
  return null;
}

/**
 * /coverage?detected=T1003.001,T1059&groups=G0016&steps=10 — the gaps, ranked by how many groups
 * use them, and the mitigation plan (at most `steps` mitigations) that closes them.
 */
export function CoveragePage({ place }: { place: Place }) {
  const detected = list(place.params.get('detected'));
  const groups = list(place.params.get('groups'));
  const [draft, setDraft] = useState(detected.join(', '));
  const [problem, setProblem] = useState<string | null>(null);
  const [{ data, error, fetching }] = useQuery({
    query: CoverageQuery,
    variables: { detected, groups: groups.length > 0 ? groups : null, release: currentRelease() },
    pause: detected.length === 0,
  });
  const use = (ids: string[]) => navigate(withParams(place, { detected: ids.join(',') }));
  const onFile = async (event: Event) => {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    const read = readLayer(await file.text());
    if (!read.ok) {
      setProblem(read.problem);
      return;
    }
    setProblem(null);
    setDraft(read.ids.join(', '));
    use(read.ids);
  };
  const result = data?.coverageGaps;
  const gaps = new Map<string, { attackId: string; name: string; groupCount: number }>();
  for (const t of result?.tactics ?? []) {
    for (const g of t.uncovered ?? []) {
      const id = g.technique?.attackId;
      if (id) gaps.set(id, { attackId: id, name: g.technique?.name ?? '', groupCount: g.groupCount ?? 0 });
    }
  }
  const ranked = [...gaps.values()].sort(
    (a, b) => b.groupCount - a.groupCount || a.attackId.localeCompare(b.attackId),
  );
  const query = new URLSearchParams({ detected: detected.join(',') });
  if (groups.length > 0) query.set('groups', groups.join(','));
  return (
    <main aria-busy={fetching}>
      <h1>Coverage</h1>
      <form
        class="controls"
        onSubmit={(event) => {
          event.preventDefault();
          setProblem(null);
          use(list(draft));
        }}
      >
        <label>
          Detected technique IDs{' '}
          <textarea
            rows={2}
            cols={60}
            value={draft}
            onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
          />
        </label>
        <button type="submit">Show gaps</button>
        <label>
          or upload a Navigator layer <input type="file" accept=".json,application/json" onChange={onFile} />
        </label>
        <label>
          Only groups (ATT&amp;CK IDs, optional){' '}
          <input
            value={groups.join(',')}
            onChange={(e) => navigate(withParams(place, { groups: (e.target as HTMLInputElement).value }))}
          />
        </label>
      </form>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      {error && <ErrorNote error={error} />}
      {result && (
        <section aria-label="Gaps">
          <p class="summary">
            {result.covered} of {result.total} techniques covered ({(result.percent ?? 0).toFixed(1)}%).
            {(result.unknownIds ?? []).length > 0 && ` Unknown IDs: ${(result.unknownIds ?? []).join(', ')}.`}
          </p>
          <button
            type="button"
            onClick={() =>
              void download(`/layers/coverage.json?${withRelease(query)}`, 'coverage-layer.json').then(
                setProblem,
              )
            }
          >
            Export the coverage and gaps as a layer
          </button>
          <h2>Gaps, by how many groups use them ({ranked.length})</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Technique</th>
                <th scope="col">Groups using it</th>
              </tr>
            </thead>
            <tbody>
              {ranked.slice(0, 200).map((g) => (
                <tr key={g.attackId}>
                  <td>
                    <Link href={`/techniques/${g.attackId}`}>
                      {g.attackId} {g.name}
                    </Link>
                  </td>
                  <td>{g.groupCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {result && (
        <MitigationPlan gaps={ranked.map((g) => g.attackId)} max={planSize(place.params.get('steps'))} />
      )}
    </main>
  );
}
