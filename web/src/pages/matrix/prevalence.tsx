import { useQuery } from '@urql/preact';
import type { CellMark } from '../../components/matrix.tsx';
import { HEAT, type Heat } from '../../components/palette.ts';
import { currentRelease } from '../../release.ts';
import { PrevalenceQuery } from './documents.ts';
import type { UsageVia } from './overlay.ts';

export interface Prevalence {
  /** How many groups use at least one technique: the denominator of each share. */
  actorCount: number;
  /** ATT&CK ID → how many groups use it. */
  counts: Map<string, number>;
  /** The most groups any one technique has. */
  max: number;
}

/** The heat of a technique used by `count` groups when the most used has `max`: five equal steps. */
export function prevalenceHeat(count: number, max: number): Heat {
  const step = Math.min(HEAT.length - 1, Math.floor(((count - 1) * HEAT.length) / Math.max(1, max)));
  return HEAT[step] as Heat;
}

/** Each colour's range of group counts, as the legend shows it (steps no count falls in are left out). */
export function prevalenceSteps(max: number): { heat: Heat; low: number; high: number }[] {
  const steps: { heat: Heat; low: number; high: number }[] = [];
  for (let count = 1; count <= max; count++) {
    const heat = prevalenceHeat(count, max);
    const last = steps[steps.length - 1];
    if (last?.heat === heat) last.high = count;
    else steps.push({ heat, low: count, high: count });
  }
  return steps;
}

const groupsWord = (n: number) => `${n} group${n === 1 ? '' : 's'}`;

/** The prevalence overlay's words and colour for one technique. */
export function prevalenceMark(p: Prevalence, attackId: string, subIds: string[]): CellMark {
  const count = p.counts.get(attackId) ?? 0;
  if (count > 0) {
    const share = p.actorCount > 0 ? ` (${((count / p.actorCount) * 100).toFixed(1)}%)` : '';
    return { heat: prevalenceHeat(count, p.max), text: `used by ${count} of ${p.actorCount} groups${share}` };
  }
  const subs = subIds.filter((s) => (p.counts.get(s) ?? 0) > 0);
  if (subs.length > 0)
    return { subOnly: true, text: `used by no group itself; ${subs.length} of its sub-techniques are` };
  return { text: 'used by no group' };
}

/** The API's technique prevalence among groups, when `active`. */
export function usePrevalence(domain: 'ENTERPRISE' | 'MOBILE' | 'ICS', via: UsageVia[], active: boolean) {
  const [{ data, error, fetching }] = useQuery({
    query: PrevalenceQuery,
    variables: { domain, via, release: currentRelease() },
    pause: !active,
  });
  const result = data?.techniquePrevalence;
  const counts = new Map<string, number>();
  for (const t of result?.techniques ?? []) {
    if (t.technique?.attackId) counts.set(t.technique.attackId, t.count ?? 0);
  }
  const prevalence: Prevalence | undefined = result
    ? { actorCount: result.actorCount ?? 0, counts, max: Math.max(0, ...counts.values()) }
    : undefined;
  return { prevalence, error, fetching: active && fetching };
}

/** What the prevalence colours mean: one swatch per range of group counts. */
export function PrevalenceLegend({ prevalence }: { prevalence: Prevalence }) {
  return (
    <figure class="legend" aria-label="Legend">
      <figcaption>Legend: how many of the {prevalence.actorCount} groups use each technique</figcaption>
      <ul>
        {prevalenceSteps(prevalence.max).map((s) => (
          <li key={s.low} data-low={s.low} data-high={s.high}>
            <span class="swatch" style={{ background: s.heat.background, color: s.heat.color }} />
            {s.low === s.high ? groupsWord(s.low) : `${s.low}–${groupsWord(s.high)}`}
          </li>
        ))}
        <li>
          <span class="swatch sub-only" />
          Used by no group itself; some of its sub-techniques are
        </li>
        <li>
          <span class="swatch none" />
          Used by no group
        </li>
      </ul>
    </figure>
  );
}
