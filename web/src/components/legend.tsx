import { heatOf } from './palette.ts';

/** What the overlay's colours mean: one swatch per number of selected groups, and the outline. */
export function Legend({ groups }: { groups: { attackId: string; name: string }[] }) {
  if (groups.length === 0) return null;
  const n = groups.length;
  return (
    <figure class="legend" aria-label="Legend">
      <figcaption>Legend</figcaption>
      <ul>
        {Array.from({ length: n }, (_, i) => {
          const heat = heatOf(i + 1, n);
          const text =
            n === 1
              ? `Used by ${groups[0]?.name ?? ''}`
              : `Used by ${i + 1} of the ${n} groups${i + 1 === n ? ' (shared by all)' : ''}`;
          return (
            <li key={text}>
              <span class="swatch" style={{ background: heat.background, color: heat.color }}>
                {i + 1}
              </span>
              {text}
            </li>
          );
        })}
        <li>
          <span class="swatch sub-only" />
          Not used itself; some of its sub-techniques are
        </li>
        <li>
          <span class="swatch none" />
          Not used
        </li>
      </ul>
    </figure>
  );
}
