/**
 * The analyst set maths on the mobile bundle's raw relationships, checked by brute force: no
 * database, and every expected value computed here from the JSON.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { usersWithSubtechniques } from '../../src/analytics/coverage.ts';
import { greedyCover, jaccard, rankBySimilarity } from '../../src/analytics/sets.ts';
import { compareKeys } from '../../src/model.ts';
import { bundlePath } from '../helpers/paths.ts';

type Obj = { id: string; type: string; relationship_type?: string; source_ref?: string; target_ref?: string };
const objects: Obj[] = JSON.parse(readFileSync(bundlePath('mobile-attack-18.1'), 'utf8')).objects;
const techniques = new Set(objects.filter((o) => o.type === 'attack-pattern').map((o) => o.id));

/** source -> targets of one relationship type, techniques only. */
function links(type: string, sourceType: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const o of objects) {
    const { relationship_type: rel, source_ref: from, target_ref: to } = o;
    if (rel !== type || !from || !to || !from.startsWith(`${sourceType}--`) || !techniques.has(to)) continue;
    out.set(from, (out.get(from) ?? new Set()).add(to));
  }
  return out;
}
const software = new Map([...links('uses', 'malware'), ...links('uses', 'tool')]);
const mitigations = links('mitigates', 'course-of-action');
const byId = (a: string, b: string) => compareKeys(a, b);

describe('greedyCover of the techniques software uses, by mitigations', () => {
  const target = new Set([...software.values()].flatMap((s) => [...s]));
  const { steps, uncovered } = greedyCover(target, mitigations, Number.POSITIVE_INFINITY, byId);

  it('takes at each step a mitigation that adds the most techniques still uncovered', () => {
    expect(steps.length).toBeGreaterThan(1);
    const covered = new Set<string>();
    const used = new Set<string>();
    for (const step of steps) {
      let best = 0;
      for (const [m, items] of mitigations) {
        if (used.has(m)) continue;
        best = Math.max(best, [...items].filter((t) => target.has(t) && !covered.has(t)).length);
      }
      expect(step.added.length).toBe(best);
      for (const t of step.added) expect(covered.has(t)).toBe(false);
      for (const t of step.added) covered.add(t);
      used.add(step.candidate);
      expect(step.cumulative).toBe(covered.size);
    }
  });

  it('leaves uncovered exactly the used techniques no mitigation mitigates', () => {
    const mitigated = new Set([...mitigations.values()].flatMap((s) => [...s]));
    expect(uncovered.sort()).toEqual([...target].filter((t) => !mitigated.has(t)).sort());
  });
});

describe('rankBySimilarity over software', () => {
  it('scores every other member by Jaccard, best first, leaving out those with nothing shared', () => {
    const [target] = [...software.keys()].sort(byId);
    if (!target) throw new Error('no software in the mobile bundle');
    const mine = software.get(target) ?? new Set();
    const ranked = rankBySimilarity(target, software, byId);
    const expected = [...software]
      .filter(([m, s]) => m !== target && [...s].some((t) => mine.has(t)))
      .map(([m, s]) => [m, [...s].filter((t) => mine.has(t)).length / new Set([...s, ...mine]).size]);
    expect(ranked.map((r) => [r.member, r.score]).sort()).toEqual(expected.sort());
    for (let i = 1; i < ranked.length; i++)
      expect(ranked[i - 1]?.score ?? 0).toBeGreaterThanOrEqual(ranked[i]?.score ?? 0);
    for (const r of ranked) expect(r.score).toBe(jaccard(mine, software.get(r.member) ?? new Set()));
  });
});

describe('usersWithSubtechniques', () => {
  it("gives a parent its own users and its sub-techniques' users, and a sub-technique its own", () => {
    const parentOf = new Map<string, string>();
    for (const [child, parents] of links('subtechnique-of', 'attack-pattern'))
      for (const p of parents) parentOf.set(child, p);
    expect(parentOf.size).toBeGreaterThan(0);
    const catalog = [...techniques].map((stixId) => ({
      stixId,
      attackId: null,
      name: stixId,
      isSubtechnique: parentOf.has(stixId),
      parent: parentOf.get(stixId) ?? null,
      tactics: [],
    }));
    const users = usersWithSubtechniques(catalog, software);
    for (const t of techniques) {
      const own = [...software].filter(([, s]) => s.has(t)).map(([m]) => m);
      const viaSubs = [...software]
        .filter(([, s]) => [...s].some((x) => parentOf.get(x) === t))
        .map(([m]) => m);
      expect([...(users.get(t) ?? [])].sort(), t).toEqual([...new Set([...own, ...viaSubs])].sort());
    }
  });
});
