import { useQuery } from '@urql/preact';
import { useState } from 'preact/hooks';
import { authHeaders } from '../../api-key.ts';
import { Legend } from '../../components/legend.tsx';
import { Description } from '../../components/markdown.tsx';
import { Matrix } from '../../components/matrix.tsx';
import { ErrorNote, Loading } from '../../components/status.tsx';
import { ViaToggles } from '../../components/via-toggles.tsx';
import { currentRelease, withRelease } from '../../release.ts';
import { Link, navigate, type Place, withParams } from '../../router.tsx';
import { MatrixQuery } from '../matrix/documents.ts';
import { markFor, toMatrix } from '../matrix/matrix-page.tsx';
import { ALL_VIA, type UsageVia, useGroupUsages } from '../matrix/overlay.ts';
import { GroupPageQuery } from './documents.ts';

/**
 * The group's Navigator layer through the documented download (/layers/groups/<id>.json), with the
 * API key when one is set, saved as a file.
 */
async function downloadLayer(attackId: string, via: UsageVia[]): Promise<string | null> {
  const response = await fetch(
    `/layers/groups/${encodeURIComponent(attackId)}.json?${withRelease(new URLSearchParams({ via: via.join(',') }))}`,
    {
      headers: authHeaders(),
    },
  );
  if (!response.ok) return `The layer download failed (HTTP ${response.status}).`;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = `${attackId}-layer.json`;
  link.click();
  URL.revokeObjectURL(url);
  return null;
}

/** /groups/G0016?via=DIRECT,SOFTWARE&expand=all */
export function GroupPage({ attackId, place }: { attackId: string; place: Place }) {
  const viaParam = (place.params.get('via') ?? '')
    .split(',')
    .filter((v): v is UsageVia => ALL_VIA.includes(v as UsageVia));
  const via: UsageVia[] = viaParam.length > 0 ? viaParam : ['DIRECT'];
  const [{ data, fetching, error }] = useQuery({
    query: GroupPageQuery,
    variables: { id: attackId, release: currentRelease() },
  });
  const [matrix] = useQuery({
    query: MatrixQuery,
    variables: { domain: 'ENTERPRISE', release: currentRelease() },
  });
  const usages = useGroupUsages([attackId], via);
  const [downloadProblem, setDownloadProblem] = useState<string | null>(null);
  if (error) return <ErrorNote error={error} />;
  // On a move to another group, urql keeps the last answer while it fetches: never show it as this one.
  if (fetching && data?.group?.attackId !== attackId) return <Loading />;
  const g = data?.group;
  if (!g) return <p role="alert">No group {attackId}.</p>;
  const tactics = toMatrix(matrix.data);
  const subsOf = new Map(
    tactics.flatMap((t) => t.techniques.map((x) => [x.attackId, x.subtechniques.map((s) => s.attackId)])),
  );
  const expand = place.params.get('expand') ?? 'all';
  const set = (changes: Record<string, string | undefined>) =>
    navigate(withParams(place, changes), { replace: true });
  const used = usages.groups[0]?.techniques.size ?? 0;
  return (
    <main aria-busy={usages.fetching}>
      <h1>
        <span class="id">{g.attackId}</span> {g.name}
      </h1>
      {(g.aliases ?? []).length > 0 && <p class="aliases">Also known as {(g.aliases ?? []).join(', ')}</p>}
      {g.description && <Description text={g.description} references={g.references ?? []} />}
      <section aria-label="Techniques">
        <h2>Techniques ({used})</h2>
        <div class="controls">
          <ViaToggles via={via} onChange={(value) => set({ via: value })} />
          <button
            type="button"
            onClick={() => void downloadLayer(g.attackId ?? attackId, via).then(setDownloadProblem)}
          >
            Download Navigator layer
          </button>
          <Link href={`/matrix?groups=${g.attackId}&via=${via.join(',')}`}>Open on the full matrix</Link>
          <Link href={`/groups/${g.attackId}/plan?platform=Windows`}>Emulation plan</Link>
        </div>
        {downloadProblem && <ErrorNote message={downloadProblem} />}
        <Legend groups={usages.groups} />
        {tactics.length > 0 && !usages.fetching && (
          <Matrix
            label={`Techniques of ${g.name}`}
            tactics={tactics}
            onlyMarked
            mark={(id) => {
              const mark = markFor(usages.groups, id, subsOf.get(id) ?? []);
              return mark?.heat || mark?.subOnly ? mark : undefined;
            }}
            isExpanded={(id) => expand === 'all' || expand.split(',').includes(id)}
            toggleHref={(id) => withParams(place, { expand: expand === 'all' ? id : undefined })}
            onToggle={() => set({ expand: expand === 'all' ? 'none' : 'all' })}
          />
        )}
      </section>
      <section aria-label="Software">
        <h2>Software ({g.software.edges.length})</h2>
        <ul class="inline-list">
          {g.software.edges.map((e) => (
            <li key={e.node.attackId}>
              {e.node.attackId} {e.node.name}
            </li>
          ))}
        </ul>
      </section>
      <section aria-label="Campaigns">
        <h2>Campaigns ({g.campaigns.nodes.length})</h2>
        <ul class="inline-list">
          {g.campaigns.nodes.map((c) => (
            <li key={c.attackId}>
              {c.attackId} {c.name}
            </li>
          ))}
        </ul>
      </section>
      <section aria-label="Similar groups">
        <h2>Similar groups</h2>
        <ol>
          {(data?.similarGroups?.similar ?? []).map((s) => (
            <li key={s.group?.attackId}>
              <Link href={`/groups/${s.group?.attackId}`}>
                {s.group?.attackId} {s.group?.name}
              </Link>{' '}
              — {s.sharedCount} shared techniques, Jaccard {(s.score ?? 0).toFixed(2)}
            </li>
          ))}
        </ol>
      </section>
    </main>
  );
}
