import { ALL_VIA, type UsageVia } from '../pages/matrix/overlay.ts';

/**
 * The `via` checkboxes of a usage overlay: which paths (direct, through campaigns, through
 * software) count as a group's use. `onChange` gets the URL value (absent when none is ticked).
 */
export function ViaToggles({ via, onChange }: { via: UsageVia[]; onChange: (value?: string) => void }) {
  return (
    <fieldset>
      <legend>Usage via</legend>
      {ALL_VIA.map((v) => (
        <label key={v}>
          <input
            type="checkbox"
            checked={via.includes(v)}
            onChange={() => {
              const next = via.includes(v) ? via.filter((x) => x !== v) : [...via, v];
              onChange(next.length > 0 ? next.join(',') : undefined);
            }}
          />{' '}
          {v.toLowerCase()}
        </label>
      ))}
    </fieldset>
  );
}
