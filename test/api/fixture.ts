import { expect } from 'vitest';
import { importSource } from '../../import/index.ts';
import { createTestApp, type GqlResponse, type TestApp } from '../helpers/app.ts';
import { bundlePath } from '../helpers/stix.ts';

/** The app over a freshly emptied database holding exactly these real bundles. */
export async function appWithBundles(bundles: string[]): Promise<TestApp> {
  const app = await createTestApp();
  await app.db.reset();
  for (const bundle of bundles) await importSource(app.db.executor, bundlePath(bundle));
  // The full-text index refreshes off the commit path; searches must see the whole import.
  await app.db.executor.read({
    name: 'test.awaitFulltext',
    cypher: 'CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()',
  });
  return app;
}

/** The data of a response that must have succeeded. */
export function dataOf<T>(response: GqlResponse<T>): T {
  expect(response.errors ?? []).toEqual([]);
  if (!response.data) throw new Error('no data');
  return response.data;
}

export type Nodes<T> = { totalCount: number; nodes: T[] };
export type AttackIds = Nodes<{ attackId: string }>;
export const attackIds = (c: { nodes: { attackId: string | null }[] }) => c.nodes.map((n) => n.attackId);
