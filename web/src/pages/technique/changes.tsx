import { useQuery } from '@urql/preact';
import { ReleasesQuery } from '../../components/release-picker.tsx';
import { ErrorNote, Loading } from '../../components/status.tsx';
import { graphql } from '../../graphql.ts';

export const TechniqueDiffQuery = graphql(`
  query TechniqueDiff($domain: Domain!, $from: String!, $to: String!, $object: String!) {
    releaseDiff(domain: $domain, from: $from, to: $to, focus: { object: $object }) {
      from
      to
      objects {
        stixId
        attackId
        name
        change
        fromVersion
        toVersion
        versionChange
        renamed { fromAttackId fromName toAttackId toName }
        moved { from to }
        replacedBy { attackId name }
      }
      relationships { key change type from to }
    }
  }
`);

/** The API's Domain enum and the STIX domain names `releases` answers with. */
const STIX_DOMAIN = { ENTERPRISE: 'enterprise-attack', MOBILE: 'mobile-attack', ICS: 'ics-attack' } as const;
export type DomainValue = keyof typeof STIX_DOMAIN;

/** Releases of one domain, oldest first (the API lists them newest first). */
export function releasesOf(
  releases: { domain: string | null; release: string | null }[],
  domain: DomainValue,
) {
  return releases
    .filter((r) => r.domain === STIX_DOMAIN[domain] && r.release)
    .map((r) => r.release as string)
    .reverse();
}

/** What changed in the technique from `from` to `to`: its own change, and its relationships'. */
function PairDiff({
  domain,
  from,
  to,
  stixId,
}: {
  domain: DomainValue;
  from: string;
  to: string;
  stixId: string;
}) {
  const [{ data, error, fetching }] = useQuery({
    query: TechniqueDiffQuery,
    variables: { domain, from, to, object: stixId },
  });
  const title = `${from} → ${to}`;
  if (error) return <ErrorNote error={error} />;
  if (fetching || !data) return <Loading />;
  const diff = data.releaseDiff;
  const objects = diff?.objects ?? [];
  const relationships = diff?.relationships ?? [];
  return (
    <section class="release-pair" aria-label={`Changes ${title}`}>
      <h3>{title}</h3>
      {objects.length === 0 && relationships.length === 0 && <p class="unchanged">No changes.</p>}
      {objects.length > 0 && (
        <ul class="object-changes">
          {objects.map((o) => (
            <li key={o.stixId} data-stix-id={o.stixId ?? ''} data-change={o.change ?? ''}>
              <strong>{o.change}</strong> {o.attackId} {o.name}
              {o.fromVersion &&
                o.toVersion &&
                ` (version ${o.fromVersion} → ${o.toVersion}, ${o.versionChange})`}
              {o.renamed &&
                ` — renamed from ${o.renamed.fromAttackId} ${o.renamed.fromName} to ${o.renamed.toAttackId} ${o.renamed.toName}`}
              {o.moved && ` — tactics ${(o.moved.from ?? []).join(', ')} → ${(o.moved.to ?? []).join(', ')}`}
              {(o.replacedBy ?? []).length > 0 &&
                ` — replaced by ${(o.replacedBy ?? []).map((r) => `${r.attackId} ${r.name}`).join(', ')}`}
            </li>
          ))}
        </ul>
      )}
      {relationships.length > 0 && (
        <table>
          <caption>Relationships ({relationships.length})</caption>
          <thead>
            <tr>
              <th scope="col">Change</th>
              <th scope="col">From</th>
              <th scope="col">Relationship</th>
              <th scope="col">To</th>
            </tr>
          </thead>
          <tbody>
            {relationships.map((r) => (
              <tr key={r.key} data-key={r.key ?? ''}>
                <td>{r.change}</td>
                <td>{r.from}</td>
                <td>{r.type}</td>
                <td>{r.to}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/**
 * How the technique changed between the imported releases of its domain, one consecutive pair at
 * a time (oldest first); with one release imported there is nothing to compare, and it says so.
 */
export function TechniqueChanges({ domain, stixId }: { domain: DomainValue; stixId: string }) {
  const [{ data, error }] = useQuery({ query: ReleasesQuery });
  if (error) return <ErrorNote error={error} />;
  if (!data) return null;
  const releases = releasesOf(data.releases ?? [], domain);
  const pairs = releases.slice(1).map((to, i) => ({ from: releases[i] as string, to }));
  return (
    <section aria-label="Changes between releases">
      <h2>Changes between releases</h2>
      {pairs.length === 0 ? (
        <p class="note">
          Only one release of this domain is imported ({releases[0] ?? 'none'}), so there is nothing to
          compare. Import another release to see how this technique changed.
        </p>
      ) : (
        pairs.map((p) => <PairDiff key={`${p.from}-${p.to}`} domain={domain} stixId={stixId} {...p} />)
      )}
    </section>
  );
}
