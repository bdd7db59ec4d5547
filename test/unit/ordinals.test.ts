/** `placeNodes`: each node's place in its release's stable order, and what must be written (no database). */
import { describe, expect, it } from 'vitest';
import type { ExistingNode, Plan } from '../../import/diff.ts';
import { placeNodes } from '../../import/ordinals.ts';
import type { NodeWriteRow } from '../../import/rows.ts';

const held = (
  stixId: string,
  attackId: string | null,
  name: string,
  ordinal: number | null,
): ExistingNode => ({
  stixId,
  attackId,
  name,
  ordinal,
  hash: 'h',
  domains: ['enterprise-attack'],
  modified: null,
  stixType: 'attack-pattern',
  version: null,
  revoked: false,
  deprecated: false,
  versions: [],
});
const created = (stixId: string, attackId: string | null, name: string) =>
  ({ stixId, attackId, name, type: 'attack-pattern', props: {}, hash: 'h', versions: [] }) as NodeWriteRow & {
    versions: string[];
  };
const updated = (stixId: string, attackId: string | null, name: string) => ({
  stixId,
  props: { stixId, attackId, name },
  hash: 'h2',
  domains: ['enterprise-attack'],
  versions: [],
});
const plan = (p: Partial<Pick<Plan, 'createNodes' | 'updateNodes' | 'deleteNodes'>>) => ({
  createNodes: [],
  updateNodes: [],
  deleteNodes: [],
  ...p,
});

// Placed in the order of ATT&CK ID (none last), name, then STIX id: a, b, c, d.
const snapshot = [
  held('x--d', null, 'No ID', 30),
  held('x--b', 'T1', 'Same', 10),
  held('x--a', 'T1', 'Same', 0),
  held('x--c', 'T2', 'Z', 20),
];

describe('placeNodes', () => {
  it('numbers a first import from 0 in the stable order', () => {
    const { ordinals, moved } = placeNodes(
      [],
      plan({
        createNodes: [created('x--2', 'T2', 'A'), created('x--3', null, 'B'), created('x--1', 'T10', 'C')],
      }),
    );
    expect([...ordinals]).toEqual([
      ['x--1', 0],
      ['x--2', 1],
      ['x--3', 2],
    ]);
    expect(moved).toEqual([]);
  });

  it('keeps the stored ordinals while they still sort the release: changed texts, a removal', () => {
    const kept = placeNodes(
      snapshot,
      plan({ updateNodes: [updated('x--c', 'T2', 'Z')], deleteNodes: ['x--b'] }),
    );
    expect(Object.fromEntries(kept.ordinals)).toEqual({ 'x--a': 0, 'x--c': 20, 'x--d': 30 });
    expect(kept.moved).toEqual([]);
  });

  it('numbers anew when a new object or a new ATT&CK ID moves the order, writing only what moved', () => {
    const added = placeNodes(snapshot, plan({ createNodes: [created('x--e', 'T1', 'Other')] }));
    // Same ATT&CK ID as a and b, and 'Other' sorts before 'Same': e comes first.
    expect(Object.fromEntries(added.ordinals)).toEqual({
      'x--e': 0,
      'x--a': 1,
      'x--b': 2,
      'x--c': 3,
      'x--d': 4,
    });
    expect(added.moved).toEqual([
      { stixId: 'x--a', ordinal: 1 },
      { stixId: 'x--b', ordinal: 2 },
      { stixId: 'x--c', ordinal: 3 },
      { stixId: 'x--d', ordinal: 4 },
    ]);
    // d gains an ATT&CK ID before the others: it is written with its place; the rest move.
    const renamed = placeNodes(snapshot, plan({ updateNodes: [updated('x--d', 'T0', 'No ID')] }));
    expect(renamed.ordinals.get('x--d')).toBe(0);
    expect(renamed.moved.map((m) => m.stixId)).toEqual(['x--a', 'x--b', 'x--c']);
  });

  it('numbers a graph from before ordinals, every node written', () => {
    const before = snapshot.map((n) => ({ ...n, ordinal: null }));
    const { moved } = placeNodes(before, plan({}));
    expect(moved).toEqual([
      { stixId: 'x--a', ordinal: 0 },
      { stixId: 'x--b', ordinal: 1 },
      { stixId: 'x--c', ordinal: 2 },
      { stixId: 'x--d', ordinal: 3 },
    ]);
  });
});
