/** How the executor turns driver values into plain ones (no database). */
import neo4j from 'neo4j-driver';
import { describe, expect, it } from 'vitest';
import { toPlain } from '../../src/neo4j/executor.ts';

describe('toPlain', () => {
  it("turns the driver's nodes, relationships and temporals into plain values, at any depth", () => {
    const node = new neo4j.types.Node(neo4j.int(1), ['Technique'], { attackId: 'T1003' }, 'n1');
    const rel = new neo4j.types.Relationship(
      neo4j.int(2),
      neo4j.int(1),
      neo4j.int(3),
      'USES',
      { note: 'x' },
      'r2',
      'n1',
      'n3',
    );
    const at = new neo4j.types.DateTime(2026, 11, 30, 21, 0, 0, 0, 0);
    const day = new neo4j.types.Date(2026, 11, 30);
    const row = { node, items: [{ rel, at }, { nested: { day, list: [node] } }], n: 3, s: 'a', nil: null };
    expect(toPlain(row)).toEqual({
      node: { attackId: 'T1003' },
      items: [
        { rel: { note: 'x' }, at: at.toString() },
        { nested: { day: '2026-11-30', list: [{ attackId: 'T1003' }] } },
      ],
      n: 3,
      s: 'a',
      nil: null,
    });
  });

  it('leaves plain maps and lists in place, without copying them', () => {
    const inner = { attackId: 'T1003' };
    const list = [inner];
    const row = { list, inner };
    const out = toPlain(row) as typeof row;
    expect(out).toBe(row);
    expect(out.list).toBe(list);
    expect(out.inner).toBe(inner);
  });
});
