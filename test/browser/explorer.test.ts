import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchOffline } from '../../bench/browser.ts';
import { type BrowserSession, browseRealApi, buildExplorer } from '../helpers/browser.ts';
import {
  ALL_GROUPS,
  cellsOf,
  coloured,
  directTechniques as directOf,
  matrixReady,
  ONE_GROUP,
  UNMARKED,
} from '../helpers/explorer-page.ts';
import { startApi } from '../helpers/start.ts';
import { attackIdOf, StixIndex } from '../helpers/stix.ts';

/**
 * The explorer in headless Chromium against npm start's entry point on the real enterprise bundle,
 * asserting what a person sees (cell text, names and colours), with the answers computed from the
 * raw STIX.
 */

const BUNDLE = 'enterprise-attack-18.1';
let session: BrowserSession;
let stix: StixIndex;

beforeAll(async () => {
  stix = new StixIndex(BUNDLE);
  await buildExplorer();
  session = await browseRealApi([BUNDLE]);
});
afterAll(() => session?.close());

/** ATT&CK IDs of the techniques and sub-techniques a group uses directly, from the raw STIX. */
const directTechniques = (group: string) => directOf(stix, group);

describe('the explorer, in headless Chromium with no network', () => {
  it("G0016's overlay colours exactly the techniques the raw STIX says it uses, and names them", async () => {
    const page = await session.open('/matrix?groups=G0016&expand=all');
    await matrixReady(page);
    const cells = await cellsOf(page);
    const expected = directTechniques('G0016');
    expect(expected.size).toBeGreaterThan(20);
    expect([...coloured(cells, ONE_GROUP)].sort()).toEqual([...expected].sort());
    // The colour is also said in words: the text alternative of every cell agrees with its colour.
    for (const cell of cells) {
      expect(cell.label.includes('used by APT29 (G0016)'), cell.label).toBe(expected.has(cell.id));
      if (!expected.has(cell.id)) expect(cell.background, cell.id).toBe(UNMARKED);
    }
    // Every tactic of the matrix, in the domain's order, is a column.
    const tactics = await page.locator('.tactic h3').allTextContents();
    expect(tactics.length).toBe(stix.ofType('x-mitre-tactic').length);
    await expect(page.getByRole('figure', { name: 'Legend' }).textContent()).resolves.toContain(
      'Used by APT29',
    );
    await session.screenshot(page, 'matrix-g0016', { docs: true });
  });

  it('two groups: the darkest cells are exactly their shared techniques from the raw STIX', async () => {
    const page = await session.open('/matrix?groups=G0007,G0016&expand=all');
    await matrixReady(page);
    const cells = await cellsOf(page);
    const a = directTechniques('G0007');
    const b = directTechniques('G0016');
    const shared = [...a].filter((id) => b.has(id)).sort();
    expect(shared.length).toBeGreaterThan(5);
    expect([...coloured(cells, ALL_GROUPS)].sort()).toEqual(shared);
    const either = new Set([...a, ...b]);
    expect(cells.filter((c) => c.background !== UNMARKED).every((c) => either.has(c.id))).toBe(true);
    await session.screenshot(page, 'matrix-compare-g0007-g0016', { docs: true });
  });

  it('the comparison of G0007 and G0016: the shared and unique techniques are those of the raw STIX', async () => {
    const page = await session.open('/compare?groups=G0007,G0016');
    const a = directTechniques('G0007');
    const b = directTechniques('G0016');
    const shared = [...a].filter((id) => b.has(id)).sort();
    const region = page.getByRole('region', { name: 'Shared and unique techniques' });
    await region
      .getByRole('heading', { name: `Shared by all (${shared.length})` })
      .waitFor({ timeout: 60_000 });
    expect((await region.locator('p.technique-list a').allTextContents()).sort()).toEqual(shared);
    for (const [group, mine, other] of [
      ['G0007', a, b],
      ['G0016', b, a],
    ] as const) {
      const row = region.locator('tbody tr', {
        has: page.getByRole('rowheader', { name: new RegExp(`^${group} `) }),
      });
      const only = [...mine].filter((id) => !other.has(id)).sort();
      expect((await row.locator('td.technique-list a').allTextContents()).sort(), group).toEqual(only);
    }
    await session.screenshot(page, 'compare-g0007-g0016');
  });

  it('coverage: a bad upload says why and changes nothing; a layer upload and the gaps export round-trip', async () => {
    const page = await session.open('/coverage?detected=T1003.001');
    const summary = page.locator('p.summary');
    await summary.waitFor({ timeout: 60_000 });
    const before = { url: page.url(), summary: await summary.textContent() };
    const upload = (name: string, text: string) =>
      page
        .locator('input[type="file"]')
        .setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });

    // Each upload replaces the alert of the one before: wait for this one's own words.
    const alertSays = (words: string) => page.getByRole('alert').filter({ hasText: words }).waitFor();
    await upload('notes.json', 'this is not JSON');
    await alertSays('not JSON');
    await upload('other.json', JSON.stringify({ name: 'a layer without techniques' }));
    await alertSays('no "techniques" list');
    await upload('bad-id.json', JSON.stringify({ techniques: [{ techniqueID: 'not-an-id' }] }));
    await alertSays('no valid techniqueID');
    expect({ url: page.url(), summary: await summary.textContent() }).toEqual(before);
    await session.screenshot(page, 'coverage-bad-upload');

    // G0016's own techniques as the "detected" layer.
    const detected = [...directTechniques('G0016')].sort();
    await upload(
      'g0016.json',
      JSON.stringify({ name: 'mine', techniques: detected.map((techniqueID) => ({ techniqueID })) }),
    );
    await page.waitForURL((url) => url.searchParams.get('detected')?.split(',').length === detected.length);
    expect(new URL(page.url()).searchParams.get('detected')?.split(',').sort()).toEqual(detected);
    expect(await page.getByRole('alert').count()).toBe(0);
    const heading = page.getByRole('heading', { name: /^Gaps, by how many groups use them/ });
    await page.waitForFunction(
      () => !document.querySelector('main')?.getAttribute('aria-busy')?.includes('true'),
    );
    await heading.waitFor();
    const gapCount = Number(/\((\d+)\)/.exec((await heading.textContent()) ?? '')?.[1]);
    const shownGaps = await page
      .locator('section[aria-label="Gaps"] tbody tr td:first-child')
      .allTextContents();
    for (const gap of shownGaps) expect(detected).not.toContain(gap.split(' ')[0]);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export the coverage and gaps as a layer' }).click(),
    ]);
    const layer = JSON.parse(await readFile((await download.path()) as string, 'utf8')) as {
      techniques: { techniqueID: string; comment?: string }[];
    };
    const covered = new Set(
      layer.techniques.filter((t) => t.comment === 'Covered').map((t) => t.techniqueID),
    );
    for (const id of detected) expect(covered.has(id), id).toBe(true);
    // The page's gaps are the API's uncovered techniques; the layer colours the parents whose
    // sub-techniques are partly covered yellow ("Partially covered") and scores the rest.
    const gapsInLayer = new Set(
      layer.techniques
        .filter((t) => t.comment?.startsWith('Not covered') || t.comment?.startsWith('Partially covered'))
        .map((t) => t.techniqueID),
    );
    expect(gapsInLayer.size).toBe(gapCount);
    for (const gap of shownGaps) expect(gapsInLayer.has(gap.split(' ')[0] ?? '')).toBe(true);
    await session.screenshot(page, 'coverage-g0016');
  });

  it('coverage: the mitigation plan closes the gaps greedily, as the raw STIX mitigations say, and exports as a layer', async () => {
    // G0016's techniques detected, the gaps narrowed to what G0007 uses.
    const detected = [...directTechniques('G0016')].sort();
    const page = await session.open(`/coverage?detected=${detected.join(',')}&groups=G0007`);
    // The gaps as the API answers them when asked directly, not through the page.
    const answer = await session.gql<{
      coverageGaps: { tactics: { uncovered: { technique: { attackId: string } }[] }[] };
    }>(
      'query($d: [String!]!, $g: [String!]) { coverageGaps(detected: $d, groups: $g) { tactics { uncovered { technique { attackId } } } } }',
      { d: detected, g: ['G0007'] },
    );
    const gaps = new Set(
      answer.coverageGaps.tactics.flatMap((t) => t.uncovered.map((u) => u.technique.attackId)),
    );
    expect(gaps.size).toBeGreaterThan(5);
    const region = page.getByRole('region', { name: 'Mitigation plan' });
    await region.locator('tbody tr').first().waitFor({ timeout: 60_000 });
    const steps = await region.locator('tbody tr').evaluateAll((rows) =>
      rows.map((row) => ({
        mitigation: row.getAttribute('data-mitigation') ?? '',
        added: [...row.querySelectorAll('.technique-list a')].map((a) => a.textContent ?? '').sort(),
        addedCount: Number(row.querySelector('.added-count')?.textContent),
      })),
    );
    // From the raw STIX: the gaps each current mitigation mitigates.
    const mitigates = new Map(
      stix
        .ofType('course-of-action')
        .map((m) => [
          attackIdOf(m) ?? '',
          stix.related(m.id, 'mitigates', 'out', ['attack-pattern']).map((t) => attackIdOf(t) ?? ''),
        ]),
    );
    const covered = new Set<string>();
    const closes = (m: string) =>
      (mitigates.get(m) ?? []).filter((t) => gaps.has(t) && !covered.has(t)).sort();
    const bestNext = () => Math.max(0, ...[...mitigates.keys()].map((m) => closes(m).length));
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      const closed = closes(step.mitigation);
      expect(step.added, step.mitigation).toEqual(closed);
      expect(step.addedCount, step.mitigation).toBe(closed.length);
      // Greedy: no other mitigation would have closed more of the gaps still open.
      expect(step.addedCount, step.mitigation).toBe(bestNext());
      for (const t of closed) covered.add(t);
    }
    // The plan stops at its 10 steps, or when no mitigation closes anything more.
    if (steps.length < 10) expect(bestNext()).toBe(0);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      region.getByRole('button', { name: 'Export the mitigation plan as a layer' }).click(),
    ]);
    const layer = JSON.parse(await readFile((await download.path()) as string, 'utf8')) as {
      techniques: { techniqueID: string; score?: number; comment?: string }[];
    };
    const scores = new Map<string, Set<number>>();
    for (const t of layer.techniques)
      if (t.score !== undefined)
        scores.set(t.techniqueID, (scores.get(t.techniqueID) ?? new Set()).add(t.score));
    expect([...scores.keys()].sort()).toEqual([...covered].sort());
    steps.forEach((step, i) => {
      for (const t of step.added) expect([...(scores.get(t) ?? [])], t).toEqual([i + 1]);
    });
    const open = layer.techniques
      .filter((t) => t.comment === 'Not covered by the plan')
      .map((t) => t.techniqueID);
    expect(new Set(open)).toEqual(new Set([...gaps].filter((t) => !covered.has(t))));
    await region.scrollIntoViewIfNeeded();
    await session.screenshot(page, 'coverage-mitigation-plan', { docs: true });
  });

  it('prevalence: each cell says how many groups the raw STIX has using it, in the colour the legend gives that count', async () => {
    const page = await session.open('/matrix?overlay=prevalence&expand=all');
    await matrixReady(page);
    const cells = await cellsOf(page);
    // From the raw STIX: how many current groups use each technique directly, and how many use any.
    const users = new Map<string, number>();
    let actors = 0;
    for (const g of stix.ofType('intrusion-set')) {
      const used = [...stix.actorTechniques(g.id, ['DIRECT']).keys()].map(
        (id) => stix.attackIdById(id) ?? '',
      );
      if (used.length > 0) actors++;
      for (const id of used) users.set(id, (users.get(id) ?? 0) + 1);
    }
    expect(users.size).toBeGreaterThan(100);
    const legend = await page.locator('figure.legend li[data-low]').evaluateAll((items) =>
      items.map((li) => ({
        low: Number(li.getAttribute('data-low')),
        high: Number(li.getAttribute('data-high')),
        background: getComputedStyle(li.querySelector('.swatch') as Element).backgroundColor,
      })),
    );
    // The legend's ranges run from 1 to the most used technique's count, without gaps or overlaps.
    expect(legend[0]?.low).toBe(1);
    expect(legend.at(-1)?.high).toBe(Math.max(...users.values()));
    for (const [i, step] of legend.slice(1).entries()) expect(step.low).toBe((legend[i]?.high ?? 0) + 1);
    expect(new Set(legend.map((s) => s.background)).size).toBe(legend.length);
    for (const cell of cells) {
      const said = /used by (\d+) of (\d+) groups/.exec(cell.label);
      const count = users.get(cell.id) ?? 0;
      expect(said ? Number(said[1]) : 0, cell.id).toBe(count);
      if (said) expect(Number(said[2]), cell.id).toBe(actors);
      const step = legend.find((s) => s.low <= count && count <= s.high);
      expect(cell.background, cell.id).toBe(step?.background ?? UNMARKED);
    }
    await session.screenshot(page, 'matrix-prevalence', { docs: true });
  });

  it('keyboard: arrows move between cells, Space opens sub-techniques, Enter opens the technique', async () => {
    const page = await session.open('/matrix');
    await matrixReady(page);
    const first = page.locator('a.cell[tabindex="0"]');
    await first.focus();
    const focused = () =>
      page.evaluate(() => document.activeElement?.querySelector('.id')?.textContent ?? '');
    const firstTactic = stix.ofType('x-mitre-tactic')[0];
    expect(firstTactic).toBeDefined();
    const start = await focused();
    await page.keyboard.press('ArrowDown');
    const second = await focused();
    expect(second).not.toBe(start);
    await page.keyboard.press('ArrowRight');
    const right = await focused();
    expect([start, second]).not.toContain(right);
    // Find a technique with sub-techniques in the second column, open them with Space.
    const parent = page.locator('a.cell[data-col="1"][data-parent]').first();
    const parentId = (await parent.locator('.id').textContent()) ?? '';
    await parent.focus();
    await page.keyboard.press('Space');
    await page.waitForURL(new RegExp(`expand=${parentId.replace('.', '\\.')}`));
    const subs = stix
      .ofType('attack-pattern')
      .filter((t) => attackIdOf(t)?.startsWith(`${parentId}.`))
      .map((t) => attackIdOf(t));
    const shown = (await cellsOf(page)).map((c) => c.id).filter((id) => id.startsWith(`${parentId}.`));
    expect(new Set(shown)).toEqual(new Set(subs));
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/techniques/${parentId}`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(parentId);
  });

  it('a cell opens its technique page with the groups the raw STIX names; Back restores the overlay', async () => {
    const page = await session.open('/matrix?groups=G0016&expand=T1003');
    await matrixReady(page);
    await page.locator('a.cell', { hasText: 'T1003.001' }).click();
    await page.waitForURL('**/techniques/T1003.001');
    const heading = page.getByRole('heading', { level: 1 });
    await expect(heading.textContent()).resolves.toContain('LSASS Memory');
    const technique = stix.byAttackId('attack-pattern', 'T1003.001');
    const groups = stix.related(technique.id, 'uses', 'in', ['intrusion-set']).map(attackIdOf).sort();
    const table = page.getByRole('region', { name: 'Groups' });
    await table.locator('tbody tr').first().waitFor();
    const rows = await table.locator('tbody tr td:first-child').allTextContents();
    expect(rows.sort()).toEqual(groups);
    // Citations are numbered references.
    expect(await page.locator('ol.references li').count()).toBeGreaterThan(0);
    // One release imported: nothing to compare, and the page says so.
    await expect(
      page.getByRole('region', { name: 'Changes between releases' }).textContent(),
    ).resolves.toContain(`Only one release of this domain is imported (${BUNDLE.split('-').at(-1)})`);
    await session.screenshot(page, 'technique-t1003-001', { docs: true });
    await page.goBack();
    await page.waitForURL('**/matrix?groups=G0016&expand=T1003');
    await matrixReady(page);
    expect(coloured(await cellsOf(page), ONE_GROUP).has('T1003.001')).toBe(
      directTechniques('G0016').has('T1003.001'),
    );
  });

  it('the group page deep link: its techniques, similar groups, and a layer download that matches the STIX', async () => {
    const page = await session.open('/groups/G0016');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('APT29');
    const expected = directTechniques('G0016');
    const techniques = page.getByRole('region', { name: 'Techniques' });
    await techniques
      .getByRole('heading', { name: `Techniques (${expected.size})` })
      .waitFor({ timeout: 60_000 });
    await techniques.locator('a.cell').first().waitFor();
    const shown = coloured(await cellsOf(page), ONE_GROUP);
    expect([...shown].sort()).toEqual([...expected].sort());
    const similar = page.getByRole('region', { name: 'Similar groups' }).locator('li a');
    await similar.first().waitFor({ timeout: 60_000 });
    expect(await similar.count()).toBeGreaterThan(0);
    await session.screenshot(page, 'group-g0016', { docs: true });

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download Navigator layer' }).click(),
    ]);
    const layer = JSON.parse(await readFile((await download.path()) as string, 'utf8')) as {
      techniques: { techniqueID: string; score?: number }[];
    };
    const scored = new Set(layer.techniques.filter((t) => t.score !== undefined).map((t) => t.techniqueID));
    expect([...scored].sort()).toEqual([...expected].sort());

    // A similar group's link navigates in place, and its page is its own deep link.
    const next = (await similar.first().textContent())?.split(' ')[0] ?? '';
    await similar.first().click();
    await page.waitForURL(`**/groups/${next}`);
    await page.getByRole('heading', { level: 1, name: new RegExp(`^${next} `) }).waitFor();
    // The first group's answer is never shown as the next group's while it loads.
    expect(await page.getByRole('heading', { level: 1 }).textContent()).not.toContain('APT29');
  });

  it('search groups results by type and the arrow keys walk them', async () => {
    const page = await session.open('/search?q=LSASS');
    const techniques = page.getByRole('region', { name: 'Technique' });
    await techniques.locator('a').first().waitFor({ timeout: 30_000 });
    expect(await techniques.locator('a').allTextContents()).toContain('T1003.001 LSASS Memory');
    await page.locator('#search-box').focus();
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate(() => document.activeElement?.tagName);
    expect(focused).toBe('A');
    await session.screenshot(page, 'search-lsass');
    expect(session.browser.outside).toEqual([]);
  });

  it('production with API keys: the pages load without a key, their data needs one, and the key box gives it', async () => {
    const key = 'explorer-browser-key-0123456789';
    // The same database, already holding the bundle; a second API in the production profile.
    const api = await startApi({ APP_ENV: 'production', API_KEYS: key });
    const browser = await launchOffline(api.base);
    try {
      const page = await browser.page();
      const refused: number[] = [];
      page.on('response', (r) => {
        if (r.url().endsWith('/graphql') && r.status() === 401) refused.push(r.status());
      });
      await page.goto(`${api.base}/matrix?groups=G0016`);
      await page.getByRole('alert').filter({ hasText: 'This API needs an API key' }).first().waitFor();
      expect(refused.length).toBeGreaterThan(0);
      expect(await page.locator('a.cell').count()).toBe(0);
      await page.getByLabel('API key').fill(key);
      await page.getByRole('button', { name: 'Use' }).click();
      await matrixReady(page);
      const cells = await cellsOf(page);
      expect(coloured(cells, ONE_GROUP).size).toBeGreaterThan(0);
      expect(await page.getByRole('alert').count()).toBe(0);
      // The key lasts for the tab: a deep link opened in it works, with no key in the URL.
      await page.goto(`${api.base}/techniques/T1003.001`);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('LSASS Memory');
      expect(page.url()).not.toContain(key);
      expect(browser.outside).toEqual([]);
    } finally {
      await browser.close();
      await api.stop();
    }
  });
});
