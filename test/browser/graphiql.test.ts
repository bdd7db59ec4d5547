import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_QUERY } from '../../src/yoga.ts';
import { type BrowserSession, browseRealApi } from '../helpers/browser.ts';

let session: BrowserSession;

beforeAll(async () => {
  session = await browseRealApi(['enterprise-attack-18.1']);
});
afterAll(() => session?.close());

/** The example operations' names, in the order GraphiQL lists them. */
const OPERATIONS = [...DEFAULT_QUERY.matchAll(/^query (\w+)/gm)].map((m) => m[1] as string);

/** The root field each operation asks for: its answer must start with it. */
const rootField = (operation: string) =>
  new RegExp(`query ${operation} \\{\\s*(\\w+)`).exec(DEFAULT_QUERY)?.[1] as string;

describe('GraphiQL at /graphql, in headless Chromium with no network', () => {
  it('renders from the installed packages and runs every example operation', async () => {
    const page = await session.open('/graphql');
    // The editor holds the example operations (Yoga's CDN page showed only "Loading...").
    await page.locator('.graphiql-query-editor').getByText('query CredentialAccessGroups').waitFor();
    expect(OPERATIONS).toHaveLength(5);
    for (const operation of OPERATIONS) {
      await page.locator('.graphiql-execute-button').click();
      // Several operations: the run button asks which one.
      const menu = page.getByRole('menuitem');
      expect(await menu.allInnerTexts()).toEqual(OPERATIONS);
      await menu.filter({ hasText: new RegExp(`^${operation}$`) }).click();
      const result = page.locator('.result-window');
      await result
        .getByText(`"${rootField(operation)}": `)
        .first()
        .waitFor({ timeout: 30_000 });
      // What a person sees (Monaco lays lines out with non-breaking spaces); Playwright's, not the DOM's.
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what is asserted
      const text = (await result.innerText()).replace(/\s+/g, ' ');
      expect(text, operation).toContain('"data": {');
      expect(text, operation).not.toContain('"errors"');
      await session.screenshot(page, `graphiql-${operation}`);
    }
    // Nothing was fetched from anywhere but the API (no CDN, no fonts, no telemetry).
    expect(session.browser.outside).toEqual([]);
  });
});
