/**
 * The importer's own checks on hand-made breakage of the small fixture, without a database: what
 * strict mode refuses, named by object and path, and the cycle finder under the model's links.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { attackIdProblems, cycleEdges, FIELD_LIMITS, sizeProblem } from '../../import/checks.ts';
import { validateObjects } from '../../import/validate.ts';
import { MINI_ENTERPRISE } from '../helpers/paths.ts';

type Obj = Record<string, unknown> & { id: string; type: string };
const fixture = (): Obj[] => JSON.parse(readFileSync(MINI_ENTERPRISE, 'utf8')).objects;
const first = (objects: Obj[], type: string) => {
  const found = objects.find((o) => o.type === type);
  if (!found) throw new Error(`no ${type} in the fixture`);
  return found;
};
const setAttackId = (o: Obj, id: string) => {
  const refs = o.external_references as { source_name: string; external_id?: string }[];
  const ref = refs.find((r) => r.source_name === 'mitre-attack');
  if (!ref) throw new Error(`${o.id} has no ATT&CK reference`);
  ref.external_id = id;
};

describe('the fixture as it is', () => {
  it('passes every check', () => {
    const { problems, objects } = validateObjects(fixture());
    expect(problems).toEqual([]);
    expect(attackIdProblems(objects)).toEqual([]);
    for (const o of fixture()) expect(sizeProblem(o)).toBeNull();
  });
});

describe('strict checks name the object and the field', () => {
  it('refuses an ATT&CK ID of the wrong form', () => {
    const objects = fixture();
    const technique = first(objects, 'attack-pattern');
    setAttackId(technique, 'X1');
    const { problems } = validateObjects(objects);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ stixId: technique.id, type: 'attack-pattern' });
    expect(problems[0]?.path).toMatch(/^external_references\[\d+\]\.external_id$/);
    expect(problems[0]?.expected).toContain('"X1"');
  });

  it('refuses two current objects of one kind with one ATT&CK ID, naming each', () => {
    const objects = fixture();
    const techniques = objects.filter((o) => o.type === 'attack-pattern');
    const [t1, t2] = techniques;
    if (!t1 || !t2) throw new Error('the fixture needs two techniques');
    setAttackId(t2, String((t1.external_references as { external_id: string }[])[0]?.external_id));
    const { problems } = validateObjects(objects);
    expect(problems.map((p) => p.stixId).sort()).toEqual([t1.id, t2.id].sort());
    expect(problems.every((p) => p.expected.includes('has it too'))).toBe(true);
  });

  it('refuses one STIX id used twice, saying where else', () => {
    const objects = fixture();
    const technique = first(objects, 'attack-pattern');
    objects.push({ ...technique });
    const { problems } = validateObjects(objects);
    expect(problems.map((p) => [p.stixId, p.path])).toEqual([
      [technique.id, 'id'],
      [technique.id, 'id'],
    ]);
    expect(problems[1]?.expected).toContain(`objects[${objects.indexOf(technique)}]`);
  });

  it('refuses a name over the limit and nesting over the limit, with their paths', () => {
    const technique = first(fixture(), 'attack-pattern');
    expect(sizeProblem({ ...technique, name: 'x'.repeat(FIELD_LIMITS.name + 1) })?.path).toBe('name');
    let deep: unknown = 'bottom';
    for (let i = 0; i <= FIELD_LIMITS.depth; i++) deep = [deep];
    expect(sizeProblem({ ...technique, x_deep: deep })?.path).toMatch(/^x_deep(\[0\])*$/);
    expect(sizeProblem({ ...technique, x_deep: [['fine']] })).toBeNull();
  });
});

describe('cycleEdges', () => {
  const edge = (from: string, to: string) => ({ from, to });

  it('returns the edges on a cycle and self-loops, and none of the edges leading off them', () => {
    const ring = [edge('a', 'b'), edge('b', 'c'), edge('c', 'a')];
    const loop = edge('e', 'e');
    const off = [edge('c', 'd'), edge('x', 'a')];
    expect(cycleEdges([...off, ...ring, loop]).sort()).toEqual([...ring, loop].sort());
  });

  it('finds no cycle in a chain, however long, without deep recursion', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => edge(`n${i}`, `n${i + 1}`));
    expect(cycleEdges(chain)).toEqual([]);
    const closed = [...chain, edge('n20000', 'n0')];
    expect(cycleEdges(closed)).toHaveLength(closed.length);
  });
});
