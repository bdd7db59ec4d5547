import { execFile } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { launchOffline, type OfflineBrowser } from '../../bench/browser.ts';
import { importSource } from '../../import/index.ts';
import { PROJECT_ROOT } from '../../src/env.ts';
import { connectTestDb, type TestDb } from './db.ts';
import { bundlePath } from './paths.ts';
import { type Api, startApi } from './start.ts';

/** Where the browser tests leave their screenshots (git-ignored; CI keeps them as artifacts). */
export const ARTIFACTS_DIR = path.join(PROJECT_ROOT, 'test-artifacts', 'browser');

/** The few screenshots the README shows, taken by the tests from the real app. */
export const DOCS_SCREENSHOTS_DIR = path.join(PROJECT_ROOT, 'docs', 'screenshots');

/** Builds the explorer (web/ to web/dist) as `npm ci` and `npm start` do, so the tests see the current code. */
export async function buildExplorer(): Promise<void> {
  await promisify(execFile)('npm', ['run', 'build:web'], { cwd: PROJECT_ROOT });
}

export interface BrowserSession {
  api: Api;
  browser: OfflineBrowser;
  db: TestDb;
  /** A new tab at `pathAndQuery` of the API (such as `/graphql`). */
  open(pathAndQuery: string): Promise<Page>;
  /** The API's own answer to one GraphQL query, asked directly (not through the page). */
  gql<TData>(query: string, variables?: Record<string, unknown>): Promise<TData>;
  /** Saves the page as test-artifacts/browser/<name>.png (and docs/screenshots/ with `docs`). */
  screenshot(page: Page, name: string, options?: { docs?: boolean }): Promise<string>;
  close(): Promise<void>;
}

/**
 * The test database emptied and holding exactly these real bundles, `npm start`'s entry point
 * serving it on a free port (with `env` on top), and an offline Chromium that may talk only to it.
 */
export async function browseRealApi(
  bundles: string[],
  env: Record<string, string> = {},
): Promise<BrowserSession> {
  const db = await connectTestDb();
  await db.reset();
  for (const bundle of bundles) await importSource(db.executor, bundlePath(bundle));
  // The full-text index refreshes off the commit path; searches must see the whole import.
  await db.executor.read({
    name: 'test.awaitFulltext',
    cypher: 'CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()',
  });
  const api = await startApi({ GRAPHIQL: 'true', ...env });
  const browser = await launchOffline(api.base);
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  await mkdir(DOCS_SCREENSHOTS_DIR, { recursive: true });
  return {
    api,
    browser,
    db,
    open: async (pathAndQuery) => {
      const page = await browser.page();
      await page.goto(`${api.base}${pathAndQuery}`);
      return page;
    },
    gql: async <TData>(query: string, variables?: Record<string, unknown>) => {
      const response = await fetch(`${api.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: TData; errors?: { message: string }[] };
      if (body.errors?.length || !body.data) throw new Error(JSON.stringify(body.errors));
      return body.data;
    },
    screenshot: async (page, name, { docs = false } = {}) => {
      const file = path.join(ARTIFACTS_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: false });
      if (docs) await copyFile(file, path.join(DOCS_SCREENSHOTS_DIR, `${name}.png`));
      return file;
    },
    close: async () => {
      await browser.close();
      await api.stop();
      await db.close();
    },
  };
}
