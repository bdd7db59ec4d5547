/** Prevalence counting and co-occurrence ranking: pure set maths, no database. */
import { describe, expect, it } from 'vitest';
import { rankPrevalence } from '../../src/analytics/prevalence.ts';
import { rankCooccurrence } from '../../src/analytics/sets.ts';

const set = (...xs: string[]) => new Set(xs);
const technique = (stixId: string, attackId: string, tactics: string[], isSubtechnique = false) => ({
  stixId,
  attackId,
  isSubtechnique,
  tactics,
});
const catalog = [
  technique('a', 'T1', ['x']),
  technique('a1', 'T1.001', ['x'], true),
  technique('b', 'T2', ['x', 'y']),
  technique('c', 'T3', ['y']),
];
type Kind = 'GROUP' | 'SOFTWARE';
const actor = (kind: Kind, ...techniques: string[]) => ({ kind, techniques });

describe('rankPrevalence', () => {
  it('counts users per kind, most used first, ties by ATT&CK ID, unused and unknown left out', () => {
    const actors = [
      actor('GROUP', 'b', 'a1'),
      actor('GROUP', 'b', 'c', 'zz'),
      actor('SOFTWARE', 'a1'),
      actor('GROUP', 'zz'),
    ];
    const r = rankPrevalence(catalog, actors, ['GROUP', 'SOFTWARE'] as const, {
      tactic: null,
      includeSubtechniques: true,
    });
    // The actor using only an unknown technique uses nothing in scope: not in the denominator.
    expect(r.actorCount).toBe(3);
    expect(r.items.map((i) => [i.technique, i.total, i.counts.GROUP, i.counts.SOFTWARE])).toEqual([
      ['a1', 2, 1, 1],
      ['b', 2, 2, 0],
      ['c', 1, 1, 0],
    ]);
    expect(r.items[0]?.share).toBe(2 / 3);
  });

  it('narrows the scope to a tactic and to top-level techniques, and the denominator with it', () => {
    const actors = [actor('GROUP', 'a1'), actor('GROUP', 'c'), actor('GROUP', 'a', 'b')];
    const inX = rankPrevalence(catalog, actors, ['GROUP'] as const, {
      tactic: 'x',
      includeSubtechniques: false,
    });
    expect(inX.items.map((i) => i.technique)).toEqual(['a', 'b']);
    expect(inX.actorCount).toBe(1);
    const none = rankPrevalence(catalog, [], ['GROUP'] as const, {
      tactic: null,
      includeSubtechniques: true,
    });
    expect(none).toEqual({ actorCount: 0, items: [] });
  });
});

describe('rankCooccurrence', () => {
  const sets = new Map([
    ['g1', set('a', 'b', 'c')],
    ['g2', set('a', 'b')],
    ['g3', set('a', 'c', 'd')],
    ['g4', set('d')],
  ]);
  const attackId = (id: string) => ({ a: 'T1', b: 'T2', c: 'T3', d: 'T4' })[id];

  it('ranks by co-users, then lift, then ATT&CK ID, and names who uses the antecedent', () => {
    const r = rankCooccurrence('a', sets, attackId, { minCount: 1, limit: 10 });
    expect(r.population).toBe(4);
    expect(r.users).toEqual(['g1', 'g2', 'g3']);
    // b and c both have 2 co-users and the same lift (each used by 2 of 4): ATT&CK ID decides.
    expect(r.rules.map((x) => [x.item, x.both.length])).toEqual([
      ['b', 2],
      ['c', 2],
      ['d', 1],
    ]);
    const d = r.rules.find((x) => x.item === 'd');
    expect(d?.lift).toBeCloseTo(1 / 3 / (2 / 4));
  });

  it('applies minCount and limit; an unused antecedent has no rules', () => {
    expect(
      rankCooccurrence('a', sets, attackId, { minCount: 2, limit: 10 }).rules.map((x) => x.item),
    ).toEqual(['b', 'c']);
    expect(rankCooccurrence('a', sets, attackId, { minCount: 1, limit: 1 }).rules).toHaveLength(1);
    const unused = rankCooccurrence('zz', sets, attackId, { minCount: 1, limit: 10 });
    expect(unused.users).toEqual([]);
    expect(unused.rules).toEqual([]);
  });
});
