import { useQuery } from '@urql/preact';
import { Description } from '../../components/markdown.tsx';
import { ErrorNote, Loading } from '../../components/status.tsx';
import { currentRelease } from '../../release.ts';
import { Link } from '../../router.tsx';
import { TechniqueChanges } from './changes.tsx';
import { TechniquePageQuery } from './documents.ts';

interface Usage {
  description: string | null;
  node: { attackId: string | null; name: string | null };
}

/** Who uses the technique, each with the procedure text of that use. */
function UsageTable({
  title,
  edges,
  href,
}: {
  title: string;
  edges: Usage[];
  href?: (id: string) => string;
}) {
  if (edges.length === 0) return null;
  return (
    <section aria-label={title}>
      <h2>
        {title} ({edges.length})
      </h2>
      <table>
        <thead>
          <tr>
            <th scope="col">ID</th>
            <th scope="col">Name</th>
            <th scope="col">Procedure</th>
          </tr>
        </thead>
        <tbody>
          {edges.map((e) => (
            <tr key={e.node.attackId}>
              <td>
                {href && e.node.attackId ? (
                  <Link href={href(e.node.attackId)}>{e.node.attackId}</Link>
                ) : (
                  e.node.attackId
                )}
              </td>
              <td>{e.node.name}</td>
              <td>{e.description ? <Description text={e.description} references={[]} /> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** /techniques/T1003.001 */
export function TechniquePage({ attackId }: { attackId: string }) {
  const [{ data, fetching, error }] = useQuery({
    query: TechniquePageQuery,
    variables: { id: attackId, release: currentRelease() },
  });
  if (error) return <ErrorNote error={error} />;
  // On a move to another technique, urql keeps the last answer while it fetches: never show it as this one.
  if (fetching && data?.technique?.attackId !== attackId) return <Loading />;
  const t = data?.technique;
  if (!t) return <p role="alert">No technique {attackId}.</p>;
  return (
    <main>
      <p class="crumbs">
        {t.parent && (
          <>
            Sub-technique of{' '}
            <Link href={`/techniques/${t.parent.attackId}`}>
              {t.parent.attackId} {t.parent.name}
            </Link>
          </>
        )}
      </p>
      <h1>
        <span class="id">{t.attackId}</span> {t.name}
      </h1>
      <dl class="facts">
        <dt>Tactics</dt>
        <dd>{t.tactics.nodes.map((x) => x.name).join(', ')}</dd>
        <dt>Platforms</dt>
        <dd>{(t.platforms ?? []).join(', ')}</dd>
        {t.url && (
          <>
            <dt>On attack.mitre.org</dt>
            <dd>
              <a href={t.url} rel="noreferrer noopener" target="_blank">
                {t.url}
              </a>
            </dd>
          </>
        )}
      </dl>
      {t.description && <Description text={t.description} references={t.references ?? []} />}
      {t.subtechniques.nodes.length > 0 && (
        <section aria-label="Sub-techniques">
          <h2>Sub-techniques</h2>
          <ul>
            {t.subtechniques.nodes.map((s) => (
              <li key={s.attackId}>
                <Link href={`/techniques/${s.attackId}`}>
                  {s.attackId} {s.name}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}
      <UsageTable title="Groups" edges={t.groups.edges} href={(id) => `/groups/${id}`} />
      <UsageTable title="Software" edges={t.software.edges} />
      <UsageTable title="Campaigns" edges={t.campaigns.edges} />
      <UsageTable title="Mitigations" edges={t.mitigations.edges} />
      {t.detectionStrategies.nodes.length > 0 && (
        <section aria-label="Detection">
          <h2>Detection strategies</h2>
          <ul>
            {t.detectionStrategies.nodes.map((d) => (
              <li key={d.attackId}>
                {d.attackId} {d.name}
                <ul>
                  {d.analytics.nodes.map((a) => (
                    <li key={a.attackId}>
                      {a.attackId} ({(a.platforms ?? []).join(', ')}):{' '}
                      {(a.logSources ?? [])
                        .map((l) => `${l.name}${l.channel ? ` (${l.channel})` : ''}`)
                        .join('; ')}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </section>
      )}
      {t.stixId && t.domains?.[0] && <TechniqueChanges domain={t.domains[0]} stixId={t.stixId} />}
    </main>
  );
}
