import { useClient, useQuery } from '@urql/preact';
import { useState } from 'preact/hooks';
import { ErrorNote, Loading } from '../../components/status.tsx';
import { graphql } from '../../graphql.ts';
import { currentRelease } from '../../release.ts';
import { Link } from '../../router.tsx';
import { saveJson } from './save-file.ts';

export const MitigationPlanQuery = graphql(`
  query CoveragePlan($techniques: [String!]!, $max: Int!, $release: String) {
    mitigationPlan(techniques: $techniques, max: $max, release: $release) {
      targetCount
      coveredCount
      percent
      steps {
        rank
        addedCount
        cumulativeCount
        cumulativePercent
        mitigation { attackId name }
        added { attackId }
      }
      unmitigable { attackId }
    }
  }
`);

export const MitigationPlanLayerQuery = graphql(`
  query CoveragePlanLayer($techniques: [String!]!, $max: Int!, $release: String) {
    mitigationPlanLayer(techniques: $techniques, max: $max, release: $release) { layer }
  }
`);

/** The plan's step count: the API's default (10) unless the URL asks for another, 1 to 100. */
export function planSize(value: string | null): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= 100 ? n : 10;
}

/**
 * The mitigations that close the most gaps, chosen one after another by the API's
 * `mitigationPlan` over exactly the gaps shown, and the same plan as a Navigator layer.
 */
export function MitigationPlan({ gaps, max }: { gaps: string[]; max: number }) {
  const client = useClient();
  const [problem, setProblem] = useState<string | null>(null);
  const [{ data, error, fetching }] = useQuery({
    query: MitigationPlanQuery,
    variables: { techniques: gaps, max, release: currentRelease() },
    pause: gaps.length === 0,
  });
  if (gaps.length === 0) return null;
  const exportLayer = async () => {
    const result = await client
      .query(MitigationPlanLayerQuery, { techniques: gaps, max, release: currentRelease() })
      .toPromise();
    const layer = result.data?.mitigationPlanLayer?.layer;
    if (result.error || !layer) {
      setProblem(`The export failed: ${result.error?.message ?? 'no layer in the answer'}.`);
      return;
    }
    setProblem(null);
    saveJson(layer, 'mitigation-plan-layer.json');
  };
  const plan = data?.mitigationPlan;
  return (
    <section aria-label="Mitigation plan" aria-busy={fetching}>
      <h2>Mitigation plan that closes the gaps</h2>
      {error && <ErrorNote error={error} />}
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      {fetching && !plan && <Loading />}
      {plan && (
        <>
          <p class="plan-summary">
            {plan.steps?.length ?? 0} mitigations cover {plan.coveredCount} of the {plan.targetCount} gaps (
            {(plan.percent ?? 0).toFixed(1)}%); {(plan.unmitigable ?? []).length} gaps have no mitigation in
            ATT&amp;CK.
          </p>
          <button type="button" onClick={() => void exportLayer()}>
            Export the mitigation plan as a layer
          </button>
          <table>
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Mitigation</th>
                <th scope="col">Gaps it closes</th>
                <th scope="col">Closed so far</th>
              </tr>
            </thead>
            <tbody>
              {(plan.steps ?? []).map((s) => (
                <tr key={s.rank} data-mitigation={s.mitigation?.attackId ?? ''}>
                  <td>{s.rank}</td>
                  <th scope="row">
                    {s.mitigation?.attackId} {s.mitigation?.name}
                  </th>
                  <td>
                    <span class="added-count">{s.addedCount}</span>
                    <details>
                      <summary>which</summary>
                      <p class="technique-list">
                        {(s.added ?? []).map((t) => (
                          <Link key={t.attackId} href={`/techniques/${t.attackId}`}>
                            {t.attackId}
                          </Link>
                        ))}
                      </p>
                    </details>
                  </td>
                  <td>
                    {s.cumulativeCount} ({(s.cumulativePercent ?? 0).toFixed(1)}%)
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
