import { describe, expect, it } from 'vitest';
import { computeCoverage } from '../../src/analytics/coverage.ts';
import { associations, greedyCover, jaccard, overlap, rankBySimilarity } from '../../src/analytics/sets.ts';
import { compareObjects } from '../../src/model.ts';

const set = (...xs: string[]) => new Set(xs);
const abc = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe('set computations', () => {
  it('compareObjects: by ATT&CK ID (none last), then name, then STIX id', () => {
    const o = (stixId: string, attackId: string | null, name: string) => ({ stixId, attackId, name });
    const objects = [
      o('x--4', null, 'A'),
      o('x--3', 'T2', 'B'),
      o('x--2', 'T1', 'B'),
      o('x--1', 'T1', 'B'),
      o('x--0', 'T1', 'A'),
    ];
    expect([...objects].sort(compareObjects).map((x) => x.stixId)).toEqual([
      'x--0',
      'x--1',
      'x--2',
      'x--3',
      'x--4',
    ]);
  });

  it('jaccard: shared over union, 0 for two empty sets', () => {
    expect(jaccard(set('a', 'b', 'c'), set('b', 'c', 'd'))).toBe(2 / 4);
    expect(jaccard(set(), set())).toBe(0);
    expect(jaccard(set('a'), set('a'))).toBe(1);
  });

  it('overlap: shared, unique and usage; empty input -> empty result', () => {
    const r = overlap(
      new Map([
        ['x', set('a', 'b')],
        ['y', set('b', 'c')],
        ['z', set('b', 'd')],
      ]),
    );
    expect(r.shared).toEqual(['b']);
    expect(r.members.map((m) => m.unique)).toEqual([['a'], ['c'], ['d']]);
    expect(r.usage.get('b')).toEqual(['x', 'y', 'z']);
    expect(overlap(new Map()).shared).toEqual([]);
  });

  it('rankBySimilarity: best first, ties by the tie-break, zero overlaps dropped', () => {
    const sets = new Map([
      ['t', set('a', 'b')],
      ['q', set('a', 'b')],
      ['p', set('a', 'x')],
      ['o', set('z')],
      ['n', set('b', 'y')],
    ]);
    const ranked = rankBySimilarity('t', sets, abc);
    expect(ranked.map((r) => [r.member, r.score])).toEqual([
      ['q', 1],
      ['n', 1 / 3],
      ['p', 1 / 3],
    ]);
  });

  it('greedyCover: most new items first, ties by order, stops at max or when nothing is left', () => {
    const target = set('1', '2', '3', '4', '5');
    const candidates = new Map([
      ['B', set('1', '2')],
      ['A', set('1', '2')],
      ['C', set('3', '4', '5', '9')],
      ['D', set('5')],
    ]);
    const { steps, uncovered } = greedyCover(target, candidates, 10, abc);
    expect(steps.map((s) => [s.candidate, s.added, s.cumulative])).toEqual([
      ['C', ['3', '4', '5'], 3],
      ['A', ['1', '2'], 5],
    ]);
    expect(uncovered).toEqual([]);
    expect(greedyCover(target, candidates, 1, abc).uncovered.sort()).toEqual(['1', '2']);
    expect(greedyCover(set(), candidates, 5, abc).steps).toEqual([]);
  });

  it('associations: support, confidence and lift over members with any item', () => {
    const sets = new Map([
      ['g1', set('a', 'b')],
      ['g2', set('a', 'b', 'c')],
      ['g3', set('c')],
      ['g4', set()],
    ]);
    const { population, rules } = associations('a', sets);
    expect(population).toBe(3);
    const b = rules.find((r) => r.item === 'b');
    expect(b).toMatchObject({ both: ['g1', 'g2'], support: 2 / 3, confidence: 1, lift: 1 / (2 / 3) });
    const c = rules.find((r) => r.item === 'c');
    expect(c).toMatchObject({ both: ['g2'], confidence: 1 / 2, lift: 1 / 2 / (2 / 3) });
  });

  it('coverage: listed parents cover sub-techniques; a parent with all sub-techniques covered is covered', () => {
    const catalog = [
      { stixId: 'P', attackId: 'T1', name: 'p', isSubtechnique: false, parent: null, tactics: ['x'] },
      { stixId: 'P1', attackId: 'T1.001', name: 'p1', isSubtechnique: true, parent: 'P', tactics: ['x'] },
      { stixId: 'P2', attackId: 'T1.002', name: 'p2', isSubtechnique: true, parent: 'P', tactics: ['x'] },
      { stixId: 'Q', attackId: 'T2', name: 'q', isSubtechnique: false, parent: null, tactics: ['x', 'y'] },
      {
        stixId: 'Q1',
        attackId: 'T2.001',
        name: 'q1',
        isSubtechnique: true,
        parent: 'Q',
        tactics: ['x', 'y'],
      },
      {
        stixId: 'Q2',
        attackId: 'T2.002',
        name: 'q2',
        isSubtechnique: true,
        parent: 'Q',
        tactics: ['x', 'y'],
      },
    ];
    const opts = { parentCoversSubtechniques: true, includeSubtechniques: true };
    const r = computeCoverage(catalog, ['x', 'y'], set('P', 'Q1'), new Map([['Q2', set('g')]]), opts);
    expect(r.perTactic[0]).toMatchObject({
      covered: ['P', 'P1', 'P2', 'Q1'],
      partial: ['Q'],
      uncovered: ['Q2', 'Q'],
      total: 6,
    });
    expect(r.perTactic[1]?.percent).toBeCloseTo((100 * 1) / 3);
    const all = computeCoverage(catalog, ['x'], set('Q1', 'Q2'), new Map(), opts);
    expect(all.status.get('Q')).toBe('covered');
    const strict = computeCoverage(catalog, ['x'], set('P'), new Map(), {
      ...opts,
      parentCoversSubtechniques: false,
    });
    expect(strict.status.get('P1')).toBe('uncovered');
  });

  it('counts a technique once in a tactic it names twice, and in no tactic it does not name', () => {
    const t = { attackId: 'T9', name: 't', isSubtechnique: false, parent: null };
    const catalog = [
      { ...t, stixId: 'A', tactics: ['x', 'y', 'x'] },
      { ...t, stixId: 'B', attackId: 'T8', tactics: ['z'] },
    ];
    const opts = { parentCoversSubtechniques: true, includeSubtechniques: true };
    const r = computeCoverage(catalog, ['x', 'y'], set('A'), new Map(), opts);
    expect(r.perTactic.map((c) => [c.tactic, c.covered, c.total])).toEqual([
      ['x', ['A'], 1],
      ['y', ['A'], 1],
    ]);
  });

  it('coverage of one catalog, asked with and without sub-techniques, ranks gaps by use, then ATT&CK ID', () => {
    const t = { name: 't', isSubtechnique: false, parent: null, tactics: ['x'] };
    // Out of order on purpose: the ranking must not depend on the catalog's order.
    const catalog = [
      { ...t, stixId: 'C', attackId: 'T3' },
      { ...t, stixId: 'A1', attackId: 'T1.001', isSubtechnique: true, parent: 'A' },
      { ...t, stixId: 'B', attackId: 'T2' },
      { ...t, stixId: 'A', attackId: 'T1' },
    ];
    const usedBy = new Map([
      ['C', set('g1', 'g2')],
      ['A1', set('g1')],
      ['B', set('g1')],
    ]);
    const opts = { parentCoversSubtechniques: true, includeSubtechniques: true };
    const withSubs = computeCoverage(catalog, ['x'], set(), usedBy, opts);
    expect(withSubs.perTactic[0]?.uncovered).toEqual(['C', 'A1', 'B', 'A']);
    expect(withSubs.total).toBe(4);
    const topLevel = computeCoverage(catalog, ['x'], set('A1'), usedBy, {
      ...opts,
      includeSubtechniques: false,
    });
    expect(topLevel.perTactic[0]).toMatchObject({ covered: ['A'], uncovered: ['C', 'B'], total: 3 });
    expect([topLevel.total, topLevel.covered]).toEqual([3, 1]);
    // The first answer's layout is still the one with sub-techniques.
    expect(computeCoverage(catalog, ['x'], set(), usedBy, opts).perTactic[0]?.uncovered).toEqual(
      withSubs.perTactic[0]?.uncovered,
    );
  });
});
