import { expect } from 'vitest';
import type { GqlResponse } from './app.ts';

/** The data of a response that must have succeeded. */
export function dataOf<T>(response: GqlResponse<T>): T {
  expect(response.errors ?? []).toEqual([]);
  if (!response.data) throw new Error('no data');
  return response.data;
}

export type Nodes<T> = { totalCount: number; nodes: T[] };
export type AttackIds = Nodes<{ attackId: string }>;
export const attackIds = (c: { nodes: { attackId: string | null }[] }) => c.nodes.map((n) => n.attackId);
