import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/env.ts';
import { appWithBundles, type TestApp } from './helpers/app.ts';

/** Every ```graphql block of the README, so the documented queries keep working as written. */
async function readmeQueries(): Promise<string[]> {
  const readme = await readFile(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

let app: TestApp;
// 17.1 then 18.1, so that the change queries have a change set to show.
beforeAll(async () => {
  app = await appWithBundles(['enterprise-attack-17.1', 'enterprise-attack-18.1']);
});
afterAll(() => app.close());

describe('the README example queries', async () => {
  const queries = await readmeQueries();
  it('are there', () => expect(queries.length).toBeGreaterThanOrEqual(15));
  for (const query of queries) {
    const name = /query (\w+)/.exec(query)?.[1] ?? /\{\s*(\w+)/.exec(query)?.[1] ?? query;
    it(`${name} answers with data and no errors`, async () => {
      const result = await app.gql(query);
      expect(result.errors).toBeUndefined();
      const root = Object.values(result.data ?? {})[0];
      expect(root).toBeTruthy();
      expect(JSON.stringify(root).length).toBeGreaterThan(200);
    });
  }
});
