import { describe, expect, it } from 'vitest';
import { keptIn } from '../../src/data/rows.ts';

describe('keptIn (the bounded memo of query shapes, field answers and costs)', () => {
  it('computes a key once and hands back what it kept', () => {
    const map = new Map<string, number[]>();
    let runs = 0;
    const compute = () => {
      runs++;
      return [runs];
    };
    const first = keptIn(map, 'a', 10, compute);
    expect(keptIn(map, 'a', 10, compute)).toBe(first);
    expect(runs).toBe(1);
  });

  it('starts over when the map already holds max values', () => {
    const map = new Map<string, string>([
      ['a', 'A'],
      ['b', 'B'],
    ]);
    expect(keptIn(map, 'c', 2, () => 'C')).toBe('C');
    expect([...map]).toEqual([['c', 'C']]);
  });

  it('returns an undefined result without keeping it, so the next call computes again', () => {
    const map = new Map<string, number>();
    expect(keptIn(map, 'a', 10, () => undefined)).toBeUndefined();
    expect(map.has('a')).toBe(false);
    expect(keptIn(map, 'a', 10, () => 1)).toBe(1);
  });
});
