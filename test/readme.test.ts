import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSource } from '../import/index.ts';
import { PROJECT_ROOT } from '../src/env.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';

/** Every ```graphql block of the README, so the documented queries keep working as written. */
async function readmeQueries(): Promise<string[]> {
  const readme = await readFile(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
  await app.db.reset();
  // 17.1 then 18.1, so that the change queries have a change set to show.
  for (const release of ['17.1', '18.1']) {
    await importSource(
      app.db.executor,
      path.join(app.db.config.attack.dataDir, `enterprise-attack-${release}.json`),
    );
  }
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
