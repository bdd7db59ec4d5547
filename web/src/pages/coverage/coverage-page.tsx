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

/** The same answer, measured from the imported Sigma rules the filter matches. */
export const CoverageRulesQuery = graphql(`
  query CoverageRules($rules: SigmaRuleFilter!, $groups: [String!], $release: String) {
    coverageGaps(rules: $rules, groups: $groups, release: $release) {
      ruleCount
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

const words = (value: string | null) =>
  (value ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

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
 * /coverage?rules=all&product=windows&level=high,critical — the same, from the imported Sigma rules.
 */
export function CoveragePage({ place }: { place: Place }) {
  const detected = list(place.params.get('detected'));
  const groups = list(place.params.get('groups'));
  const product = words(place.params.get('product'));
  const level = words(place.params.get('level'));
  const fromRules = place.params.get('rules') === 'all';
  const [draft, setDraft] = useState(detected.join(', '));
  const [problem, setProblem] = useState<string | null>(null);
  const common = { groups: groups.length > 0 ? groups : null, release: currentRelease() };
  const [byIds] = useQuery({
    query: CoverageQuery,
    variables: { detected, ...common },
    pause: fromRules || detected.length === 0,
  });
  const [byRules] = useQuery({
    query: CoverageRulesQuery,
    variables: {
      rules: { product: product.length ? product : null, level: level.length ? level : null },
      ...common,
    },
    pause: !fromRules,
  });
  const { data, error, fetching } = fromRules ? byRules : byIds;
  const use = (ids: string[]) =>
    navigate(withParams(place, { detected: ids.join(','), rules: '', product: '', level: '' }));
  const useRules = (form: HTMLFormElement) => {
    const field = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | null)?.value ?? '';
    navigate(
      withParams(place, { rules: 'all', detected: '', product: field('product'), level: field('level') }),
    );
  };
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
  const query = fromRules
    ? new URLSearchParams({
        rules: 'all',
        ...(product.length ? { product: product.join(',') } : {}),
        ...(level.length ? { level: level.join(',') } : {}),
      })
    : new URLSearchParams({ detected: detected.join(',') });
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
      <form
        class="controls"
        aria-label="Rule set"
        onSubmit={(event) => {
          event.preventDefault();
          setProblem(null);
          useRules(event.currentTarget as HTMLFormElement);
        }}
      >
        <label>
          Sigma rules: product <input name="product" value={product.join(',')} placeholder="windows" />
        </label>
        <label>
          level <input name="level" value={level.join(',')} placeholder="high,critical" />
        </label>
        <button type="submit">Measure the imported rules</button>
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
            {'ruleCount' in result && result.ruleCount != null && `${result.ruleCount} Sigma rules. `}
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
