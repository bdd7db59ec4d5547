/**
 * The order of ATT&CK releases: by their dotted numbers, part by part (`6.3` < `15.1` < `18.1` <
 * `19.2`), never as strings. A missing part counts as 0 (`18` = `18.0`); a part that is not a number
 * (hand-written fixtures' names) sorts after every number, then by text, so the order stays total.
 */
export function compareReleases(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = /^\d+$/.test(x) ? Number(x) : Number.NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : Number.NaN;
    if (Number.isNaN(nx) || Number.isNaN(ny)) {
      if (!Number.isNaN(nx)) return -1;
      if (!Number.isNaN(ny)) return 1;
      if (x !== y) return x < y ? -1 : 1;
      continue;
    }
    if (nx !== ny) return nx - ny;
  }
  return 0;
}

/** The newest of `releases` by `compareReleases`, or null when there are none. */
export function newestRelease(releases: Iterable<string>): string | null {
  let best: string | null = null;
  for (const r of releases) if (best === null || compareReleases(r, best) > 0) best = r;
  return best;
}
