import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMappings } from '../import/mappings/index.ts';
import { PROJECT_ROOT } from '../src/env.ts';
import { appWithBundles, type TestApp } from './helpers/app.ts';
import { MAPPINGS_DIR } from './helpers/paths.ts';

/** Every ```graphql block of the README, so the documented queries keep working as written. */
async function readmeQueries(): Promise<string[]> {
  const readme = await readFile(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

let app: TestApp;
// 17.1 then 18.1, so that the change queries have a change set to show.
beforeAll(async () => {
  app = await appWithBundles(['enterprise-attack-17.1', 'enterprise-attack-18.1']);
  // The "Control mappings" examples read the published mapping files.
  await importMappings(app.db.executor, MAPPINGS_DIR);
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

describe('the README layer upload example', () => {
  it('answers the migrated layer for the documented path and parameters', async () => {
    const readme = await readFile(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const documented = /'http:\/\/localhost:4000(\/layers\/migrate\?[^']+)'/.exec(readme)?.[1];
    expect(documented).toBeDefined();
    const layer = {
      name: 'my layer',
      versions: { attack: '17', layer: '4.5' },
      domain: 'enterprise-attack',
      techniques: [{ techniqueID: 'T1003.001', tactic: 'credential-access', score: 5 }],
    };
    const response = await app.yoga.fetch(`http://test${documented}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(layer),
    });
    expect(response.status).toBe(200);
    const migrated = (await response.json()) as {
      versions: { layer: string; attack: string };
      techniques: unknown[];
    };
    expect(migrated.versions).toMatchObject({ layer: '4.5', attack: '18' });
    expect(migrated.techniques).toHaveLength(1);
  });
});
