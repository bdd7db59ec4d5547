import { useQuery } from '@urql/preact';
import { useEffect, useState } from 'preact/hooks';
import { Legend } from '../../components/legend.tsx';
import { type CellMark, Matrix, type MatrixTactic } from '../../components/matrix.tsx';
import { heatOf } from '../../components/palette.ts';
import { ErrorNote } from '../../components/status.tsx';
import { ViaToggles } from '../../components/via-toggles.tsx';
import type { ResultOf } from '../../graphql.ts';
import { currentRelease } from '../../release.ts';
import { navigate, type Place, withParams } from '../../router.tsx';
import { MatrixQuery } from './documents.ts';
import { ALL_VIA, type GroupUsage, type UsageVia, useGroupUsages } from './overlay.ts';
import { PrevalenceLegend, prevalenceMark, usePrevalence } from './prevalence.tsx';

export const INTERACTIVE_MARK = 'explorer:matrix-interactive';

const DOMAINS = { enterprise: 'ENTERPRISE', mobile: 'MOBILE', ics: 'ICS' } as const;
type DomainKey = keyof typeof DOMAINS;

const list = (value: string | null): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The overlay's words and colour for one technique, from the groups that use it. */
export function markFor(groups: GroupUsage[], attackId: string, subIds: string[]): CellMark | undefined {
  if (groups.length === 0) return undefined;
  const users = groups.filter((g) => g.techniques.has(attackId));
  if (users.length > 0) {
    return {
      heat: heatOf(users.length, groups.length),
      text: `used by ${users.map((g) => `${g.name} (${g.attackId})`).join(', ')}`,
    };
  }
  const subUsers = groups.filter((g) => subIds.some((s) => g.techniques.has(s)));
  if (subUsers.length > 0) {
    return { subOnly: true, text: `sub-techniques used by ${subUsers.map((g) => g.name).join(', ')}` };
  }
  return { text: 'not used by the selected groups' };
}

/** The matrix as the Matrix component draws it (the API's nullable fields made plain). */
export function toMatrix(data: ResultOf<typeof MatrixQuery> | undefined): MatrixTactic[] {
  return (data?.tactics ?? []).map((t) => ({
    attackId: t.attackId ?? '',
    shortname: t.shortname ?? '',
    name: t.name ?? '',
    techniques: t.techniques.nodes.map((n) => ({
      attackId: n.attackId ?? '',
      name: n.name ?? '',
      subtechniques: n.subtechniques.nodes.map((x) => ({ attackId: x.attackId ?? '', name: x.name ?? '' })),
    })),
  }));
}

/**
 * /matrix?domain=enterprise&groups=G0016,G0007&via=DIRECT&expand=T1003 (or expand=all), or
 * /matrix?overlay=prevalence&via=DIRECT: how many groups use each technique instead of chosen groups.
 */
export function MatrixPage({ place }: { place: Place }) {
  const domainKey = (place.params.get('domain') ?? 'enterprise') as DomainKey;
  const domain = DOMAINS[domainKey] ?? 'ENTERPRISE';
  const groupIds = list(place.params.get('groups')).map((g) => g.toUpperCase());
  const viaParam = list(place.params.get('via')).filter((v): v is UsageVia =>
    ALL_VIA.includes(v as UsageVia),
  );
  const via: UsageVia[] = viaParam.length > 0 ? viaParam : ['DIRECT'];
  const expandParam = list(place.params.get('expand'));
  const expandAll = expandParam.includes('all');
  const showPrevalence = place.params.get('overlay') === 'prevalence';

  const [{ data, fetching, error }] = useQuery({
    query: MatrixQuery,
    variables: { domain, release: currentRelease() },
  });
  const usages = useGroupUsages(showPrevalence ? [] : groupIds, via);
  const prevalence = usePrevalence(domain, via, showPrevalence);
  const tactics = toMatrix(data);
  const subsOf = new Map(
    tactics.flatMap((t) => t.techniques.map((x) => [x.attackId, x.subtechniques.map((s) => s.attackId)])),
  );

  const set = (changes: Record<string, string | undefined>) =>
    navigate(withParams(place, changes), { replace: true });
  const toggleHref = (id: string) => {
    const next = expandParam.includes(id) ? expandParam.filter((x) => x !== id) : [...expandParam, id];
    return withParams(place, { expand: next.join(',') });
  };
  const [draft, setDraft] = useState('');
  const addGroup = (event: Event) => {
    event.preventDefault();
    const id = draft.trim().toUpperCase();
    if (id && !groupIds.includes(id)) set({ groups: [...groupIds, id].join(',') });
    setDraft('');
  };
  const overlayFetching = usages.fetching || prevalence.fetching;
  const ready = !fetching && !overlayFetching && tactics.length > 0;
  useEffect(() => {
    // The benchmark's "interactive" moment (bench/explorer.ts): the matrix and its overlay drawn.
    if (ready && performance.getEntriesByName(INTERACTIVE_MARK).length === 0)
      performance.mark(INTERACTIVE_MARK);
  }, [ready]);

  return (
    <main aria-busy={!ready}>
      <h1>Matrix</h1>
      <form class="controls" onSubmit={addGroup}>
        <label>
          Domain{' '}
          <select value={domainKey} onChange={(e) => set({ domain: (e.target as HTMLSelectElement).value })}>
            <option value="enterprise">Enterprise</option>
            <option value="mobile">Mobile</option>
            <option value="ics">ICS</option>
          </select>
        </label>
        <label>
          Overlay{' '}
          <select
            value={showPrevalence ? 'prevalence' : 'groups'}
            onChange={(e) =>
              set({
                overlay: (e.target as HTMLSelectElement).value === 'prevalence' ? 'prevalence' : undefined,
              })
            }
          >
            <option value="groups">Chosen groups</option>
            <option value="prevalence">Technique prevalence (all groups)</option>
          </select>
        </label>
        <label>
          Overlay a group (ATT&amp;CK ID){' '}
          <input
            value={draft}
            placeholder="G0016"
            onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit">Add</button>
        <ViaToggles via={via} onChange={(value) => set({ via: value })} />
        <button type="button" onClick={() => set({ expand: expandAll ? undefined : 'all' })}>
          {expandAll ? 'Collapse all' : 'Expand all sub-techniques'}
        </button>
      </form>
      {!showPrevalence && groupIds.length > 0 && (
        <ul class="chips" aria-label="Overlaid groups">
          {groupIds.map((id) => (
            <li key={id}>
              {usages.groups.find((g) => g.attackId === id)?.name ?? id}{' '}
              <button
                type="button"
                aria-label={`Remove ${id}`}
                onClick={() => set({ groups: groupIds.filter((g) => g !== id).join(',') })}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {usages.problems.map((p) => (
        <ErrorNote key={p} message={p} />
      ))}
      {error && <ErrorNote error={error} />}
      {prevalence.error && <ErrorNote error={prevalence.error} />}
      {showPrevalence ? (
        prevalence.prevalence && <PrevalenceLegend prevalence={prevalence.prevalence} />
      ) : (
        <Legend groups={usages.groups} />
      )}
      {/* Drawn once, with its overlay: drawing it bare first and again when the overlay came cost a second full render. */}
      {tactics.length > 0 && !overlayFetching && (
        <Matrix
          label={`${domainKey} matrix`}
          tactics={tactics}
          mark={(id) =>
            showPrevalence && prevalence.prevalence
              ? prevalenceMark(prevalence.prevalence, id, subsOf.get(id) ?? [])
              : markFor(usages.groups, id, subsOf.get(id) ?? [])
          }
          isExpanded={(id) => expandAll || expandParam.includes(id)}
          toggleHref={toggleHref}
          onToggle={(id) => navigate(toggleHref(id), { replace: true })}
        />
      )}
      {ready && <span id="matrix-ready" hidden />}
    </main>
  );
}
