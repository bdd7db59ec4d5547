/**
 * ColorBrewer's 5-class "Blues": one hue, light to dark, so it reads the same to every kind of
 * colour-blindness and in greyscale. Each step has the text colour that keeps 4.5:1 contrast.
 */
export const HEAT = [
  { background: '#c6dbef', color: '#08306b' },
  { background: '#9ecae1', color: '#08306b' },
  { background: '#6baed6', color: '#08306b' },
  { background: '#3182bd', color: '#ffffff' },
  { background: '#08519c', color: '#ffffff' },
] as const;

export type Heat = (typeof HEAT)[number];

/** The colour of a technique used by `count` of `of` groups (1 ≤ count ≤ of). */
export function heatOf(count: number, of: number): Heat {
  const step = of <= 1 ? 3 : Math.round(((count - 1) / (of - 1)) * 3) + 1;
  return HEAT[Math.min(HEAT.length - 1, Math.max(0, step))] as Heat;
}
