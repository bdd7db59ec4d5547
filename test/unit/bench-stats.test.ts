import { describe, expect, it } from 'vitest';
import { median, quantile } from '../../bench/load.ts';

describe("the benchmark's statistics", () => {
  it('median: the middle value of an odd count, the mean of the middle two of an even one, in any order', () => {
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('quantile: nearest rank over ascending values (the p50 of an even count is the lower middle)', () => {
    const values = [1, 2, 3, 4];
    expect(quantile(values, 0.5)).toBe(2);
    expect(quantile(values, 0.95)).toBe(4);
    expect(quantile(values, 0)).toBe(1);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
