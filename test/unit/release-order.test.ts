/** Releases order by their dotted numbers (src/releases/order.ts), never as strings. */
import { describe, expect, it } from 'vitest';
import { compareReleases, newestRelease } from '../../src/releases/order.ts';

describe('compareReleases', () => {
  it('orders by number, not by text', () => {
    // As strings, "6.3" > "18.1" and "19.10" < "19.2".
    expect(['18.1', '6.3', '19.2', '15.1', '19.10'].sort(compareReleases)).toEqual([
      '6.3',
      '15.1',
      '18.1',
      '19.2',
      '19.10',
    ]);
  });

  it('treats a missing part as 0 and equal releases as equal', () => {
    expect(compareReleases('18', '18.0')).toBe(0);
    expect(compareReleases('18.1', '18.1')).toBe(0);
    expect(compareReleases('18', '18.1')).toBeLessThan(0);
    expect(compareReleases('0', '6.3')).toBeLessThan(0);
  });

  it('is antisymmetric, and puts non-numeric parts after numbers', () => {
    const all = ['0', '6.3', '17.1', '18.1', '18.1.1', 'beta', '18.x'];
    for (const a of all)
      for (const b of all)
        expect(Math.sign(compareReleases(a, b)) + Math.sign(compareReleases(b, a))).toBe(0);
    expect(compareReleases('18.x', '18.9')).toBeGreaterThan(0);
    expect(compareReleases('beta', '99')).toBeGreaterThan(0);
  });

  it('finds the newest of a set', () => {
    expect(newestRelease(['6.3', '18.1', '17.1'])).toBe('18.1');
    expect(newestRelease([])).toBeNull();
  });
});
