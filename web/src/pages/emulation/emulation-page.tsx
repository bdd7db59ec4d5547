import { useClient, useQuery } from '@urql/preact';
import { useState } from 'preact/hooks';
import { ErrorNote, Loading } from '../../components/status.tsx';
import { currentRelease } from '../../release.ts';
import { Link, navigate, type Place, withParams } from '../../router.tsx';
import { saveJson } from '../coverage/save-file.ts';
import { EmulationPlanExportQuery, EmulationPlanQuery } from './documents.ts';

/** The platforms a plan is usually made for (ATT&CK names; the API takes any). */
const PLATFORMS = ['Windows', 'Linux', 'macOS', 'IaaS', 'Containers', 'Office Suite', 'Identity Provider'];

function saveText(text: string, file: string): void {
  const href = URL.createObjectURL(new Blob([text], { type: 'text/markdown' }));
  const link = document.createElement('a');
  link.href = href;
  link.download = file;
  link.click();
  URL.revokeObjectURL(href);
}

/** /groups/G0016/plan?platform=Windows: the group's emulation plan, in kill-chain order. */
export function EmulationPlanPage({ attackId, place }: { attackId: string; place: Place }) {
  const platform = place.params.get('platform') ?? 'Windows';
  const variables = { group: attackId, platform, release: currentRelease() };
  const [{ data, fetching, error }] = useQuery({ query: EmulationPlanQuery, variables });
  const client = useClient();
  const [problem, setProblem] = useState<string | null>(null);
  const download = async (kind: 'markdown' | 'layer') => {
    const result = await client.query(EmulationPlanExportQuery, variables).toPromise();
    const plan = result.data?.emulationPlan;
    if (!plan) return setProblem(result.error?.message ?? 'The plan could not be read.');
    setProblem(null);
    if (kind === 'markdown') saveText(plan.markdown, `${attackId}-${platform}-plan.md`);
    else saveJson(plan.layer, `${attackId}-${platform}-plan-layer.json`);
  };
  if (error) return <ErrorNote error={error} />;
  const plan = data?.emulationPlan;
  if (fetching && plan?.actorAttackId !== attackId) return <Loading />;
  if (!plan) return <p role="alert">No group {attackId}.</p>;
  let phase: string | null | undefined;
  return (
    <main>
      <h1>
        Emulation plan: <Link href={`/groups/${attackId}`}>{plan.actorAttackId}</Link> {plan.actorName}
      </h1>
      <div class="controls">
        <label>
          Platform{' '}
          <select
            value={platform}
            onChange={(e) =>
              navigate(withParams(place, { platform: (e.target as HTMLSelectElement).value }), {
                replace: true,
              })
            }
          >
            {[...new Set([platform, ...PLATFORMS])].map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void download('markdown')}>
          Download Markdown
        </button>
        <button type="button" onClick={() => void download('layer')}>
          Download Navigator layer
        </button>
      </div>
      {problem && <ErrorNote message={problem} />}
      <p class="plan-summary">
        {plan.steps.length} techniques on {plan.platform ?? 'any platform'} (ATT&amp;CK {plan.release}):{' '}
        <span class="tested-count">{plan.testedCount}</span> with an atomic test,{' '}
        <span class="untested-count">{plan.untestedCount}</span> without.
      </p>
      <table class="emulation-plan">
        <thead>
          <tr>
            <th scope="col">Phase</th>
            <th scope="col">Technique</th>
            <th scope="col">Software</th>
            <th scope="col">Atomic tests</th>
            <th scope="col">Sigma rules that should fire</th>
          </tr>
        </thead>
        <tbody>
          {plan.steps.map((s) => {
            const first = s.phase !== phase;
            phase = s.phase;
            return (
              <tr
                key={s.technique.attackId}
                class={s.untested ? 'untested' : 'tested'}
                data-technique={s.technique.attackId ?? ''}
              >
                <td>{first ? s.phase : ''}</td>
                <td>
                  <Link href={`/techniques/${s.technique.attackId}`}>
                    {s.technique.attackId} {s.technique.name}
                  </Link>
                </td>
                <td>{s.software.map((x) => x.name).join(', ')}</td>
                <td>
                  {s.untested ? (
                    <em>No atomic test on {plan.platform ?? 'this platform'}</em>
                  ) : (
                    <ul class="atomic-tests">
                      {s.atomicTests.map((t) => (
                        <li key={t.guid} data-guid={t.guid}>
                          {t.name} <span class="executor">({t.executor})</span>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td class="rules">{s.detectionRules.map((r) => r.title).join('; ')}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {plan.offPlatform.length > 0 && (
        <section aria-label="Other platforms">
          <h2>
            Not on {plan.platform} ({plan.offPlatform.length})
          </h2>
          <p>{plan.offPlatform.map((t) => `${t.attackId} ${t.name}`).join(', ')}</p>
        </section>
      )}
    </main>
  );
}
