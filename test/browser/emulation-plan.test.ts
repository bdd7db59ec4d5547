import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importAtomic } from '../../import/atomic/index.ts';
import { rawTestsByTechnique } from '../helpers/atomic.ts';
import { type BrowserSession, browseRealApi, buildExplorer } from '../helpers/browser.ts';
import { atomicDir } from '../helpers/paths.ts';
import { StixIndex } from '../helpers/stix.ts';

/**
 * A group's emulation plan in the explorer (headless Chromium against npm start's entry point),
 * reached from the group page; what a person sees is checked against the raw STIX and the raw CSV.
 */

const BUNDLE = 'enterprise-attack-18.1';
let session: BrowserSession;
let stix: StixIndex;

beforeAll(async () => {
  stix = new StixIndex(BUNDLE);
  await buildExplorer();
  session = await browseRealApi([BUNDLE]);
  await importAtomic(session.db.executor, atomicDir());
}, 900_000);
afterAll(() => session?.close());

describe('the emulation plan page', () => {
  it("G0016 on Windows, from the group page: a row per Windows technique of the group, each with the Windows index's tests", async () => {
    const page = await session.open('/groups/G0016');
    await page.getByRole('link', { name: 'Emulation plan' }).click();
    await page.waitForURL(/\/groups\/G0016\/plan\?platform=Windows/);
    await page.locator('table.emulation-plan tbody tr').first().waitFor();
    const g = stix.byAttackId('intrusion-set', 'G0016');
    const expected = stix
      .sorted(stix.actorTechniques(g.id, ['DIRECT']).keys())
      .filter((t) => (t.x_mitre_platforms ?? []).includes('Windows'))
      .map((t) => stix.attackIdById(t.id));
    const rows = await page.locator('table.emulation-plan tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({
        id: tr.getAttribute('data-technique') ?? '',
        guids: [...tr.querySelectorAll('li[data-guid]')].map((li) => li.getAttribute('data-guid') ?? ''),
        untested: (tr.textContent ?? '').includes('No atomic test on Windows'),
        background: getComputedStyle(tr.querySelector('td') as Element).backgroundColor,
      })),
    );
    expect(rows.map((r) => r.id).sort()).toEqual([...expected].sort());
    const windows = rawTestsByTechnique('windows-index.csv');
    for (const r of rows) {
      const guids = [...(windows.get(r.id) ?? [])].sort();
      expect(r.guids.sort(), r.id).toEqual(guids);
      expect(r.untested, r.id).toBe(guids.length === 0);
    }
    // Tested and untested rows are coloured apart, and the summary counts them.
    const colours = (untested: boolean) =>
      new Set(rows.filter((r) => r.untested === untested).map((r) => r.background));
    expect(colours(true).size).toBe(1);
    expect(colours(false).size).toBe(1);
    expect([...colours(true)][0]).not.toBe([...colours(false)][0]);
    await expect(page.locator('.tested-count').textContent()).resolves.toBe(
      String(rows.filter((r) => !r.untested).length),
    );
    await expect(page.locator('.untested-count').textContent()).resolves.toBe(
      String(rows.filter((r) => r.untested).length),
    );
    await session.screenshot(page, 'emulation-plan-g0016');
  });

  it('the platform picker is in the URL: Linux shows the Linux index tests', async () => {
    const page = await session.open('/groups/G0016/plan?platform=Linux');
    await page.locator('table.emulation-plan tbody tr').first().waitFor();
    const linux = rawTestsByTechnique('linux-index.csv');
    const shown = await page
      .locator('li[data-guid]')
      .evaluateAll((lis) => lis.map((li) => li.getAttribute('data-guid') ?? ''));
    const ids = await page
      .locator('tr[data-technique]')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-technique') ?? ''));
    expect(shown.sort()).toEqual(ids.flatMap((id) => [...(linux.get(id) ?? [])]).sort());
  });
});
