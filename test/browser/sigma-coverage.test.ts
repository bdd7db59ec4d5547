import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSigma } from '../../import/sigma/index.ts';
import { type BrowserSession, browseRealApi, buildExplorer } from '../helpers/browser.ts';
import { SIGMA_DIR } from '../helpers/paths.ts';
import { readRawRules } from '../helpers/sigma-reference.ts';

/**
 * The Coverage page fed by the imported Sigma rules (the 349 real ones, on the real enterprise
 * bundle), in headless Chromium: what a person sees, against the raw rule files.
 */

let session: BrowserSession;
const raw = readRawRules(SIGMA_DIR);

beforeAll(async () => {
  await buildExplorer();
  session = await browseRealApi(['enterprise-attack-18.1']);
  await importSigma(session.db.executor, SIGMA_DIR, { maxBytes: 50_000_000 });
}, 900_000);
afterAll(() => session?.close());

describe('the Coverage page from a rule set', () => {
  it('measures the imported Windows high and critical rules: their count, coverage and gaps', async () => {
    const page = await session.open('/coverage');
    const rules = page.getByRole('form', { name: 'Rule set' });
    await rules.getByLabel(/product/).fill('windows');
    await rules.getByLabel(/level/).fill('high,critical');
    await rules.getByRole('button', { name: 'Measure the imported rules' }).click();
    await page.waitForURL((url) => url.searchParams.get('rules') === 'all');
    const url = new URL(page.url());
    expect([url.searchParams.get('product'), url.searchParams.get('level')]).toEqual([
      'windows',
      'high,critical',
    ]);
    const summary = page.locator('p.summary');
    await summary.waitFor({ timeout: 60_000 });
    const chosen = raw.filter(
      (r) => r.product === 'windows' && (r.level === 'high' || r.level === 'critical'),
    );
    expect(chosen.length).toBeGreaterThan(0);
    const answer = await session.gql<{ coverageGaps: { covered: number; total: number } }>(
      '{ coverageGaps(rules: { product: ["windows"], level: ["high", "critical"] }) { covered total } }',
    );
    await expect(summary.textContent()).resolves.toContain(
      `${chosen.length} Sigma rules. ${answer.coverageGaps.covered} of ${answer.coverageGaps.total} techniques covered`,
    );
    // No technique a chosen rule names is shown as a gap.
    const named = new Set(chosen.flatMap((r) => r.techniques));
    const gaps = await page.locator('section[aria-label="Gaps"] tbody tr td:first-child').allTextContents();
    expect(gaps.length).toBeGreaterThan(0);
    for (const gap of gaps) expect(named.has(gap.split(' ')[0] ?? '')).toBe(false);
    await session.screenshot(page, 'coverage-sigma-rules');
  });
});
