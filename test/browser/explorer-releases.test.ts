import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, browseRealApi, buildExplorer } from '../helpers/browser.ts';
import { cellsOf, coloured, directTechniques, matrixReady, ONE_GROUP } from '../helpers/explorer-page.ts';
import { attackIdOf, StixIndex, type StixObject } from '../helpers/stix.ts';

/**
 * The explorer over two enterprise releases imported side by side: the technique page's changes
 * between them, against the two raw STIX bundles compared here.
 */

const OLDER = 'enterprise-attack-17.1';
const NEWER = 'enterprise-attack-18.1';
const TECHNIQUE = 'T1003.001';
let session: BrowserSession;
let older: StixIndex;
let newer: StixIndex;

beforeAll(async () => {
  older = new StixIndex(OLDER);
  newer = new StixIndex(NEWER);
  await buildExplorer();
  session = await browseRealApi([OLDER, NEWER]);
});
afterAll(() => session?.close());

const releaseOf = (bundle: string) => bundle.split('-').at(-1) ?? '';

type Stamped = StixObject & { modified?: string; x_mitre_version?: string };

/** The STIX relationships from or to `stixId` in one bundle, by id, with their `modified`. */
function relationshipsOf(index: StixIndex, stixId: string): Map<string, string> {
  return new Map(
    (index.objects as Stamped[])
      .filter((o) => o.type === 'relationship' && (o.source_ref === stixId || o.target_ref === stixId))
      .map((o) => [o.id, o.modified ?? '']),
  );
}

describe('the explorer with two releases imported', () => {
  it("a technique's changes between the releases are those of the two raw STIX bundles", async () => {
    const before = older.byAttackId('attack-pattern', TECHNIQUE) as Stamped;
    const after = newer.byAttackId('attack-pattern', TECHNIQUE) as Stamped;
    expect(after.id).toBe(before.id);
    const page = await session.open(`/techniques/${TECHNIQUE}`);
    const title = `${releaseOf(OLDER)} → ${releaseOf(NEWER)}`;
    const pair = page.getByRole('region', { name: `Changes ${title}` });
    await pair.getByRole('heading', { name: title }).waitFor({ timeout: 60_000 });
    // One consecutive pair for two releases.
    expect(await page.locator('section.release-pair').count()).toBe(1);

    // The technique itself: modified when its `modified` stamp moved, with both versions.
    const own = pair.locator(`li[data-stix-id="${after.id}"]`);
    if (before.modified === after.modified) expect(await own.count()).toBe(0);
    else {
      expect(await own.getAttribute('data-change')).toBe('MODIFIED');
      expect(await own.textContent()).toContain(
        `version ${before.x_mitre_version} → ${after.x_mitre_version}`,
      );
    }

    // Its STIX relationships: added, removed, and modified (both present, `modified` moved).
    const was = relationshipsOf(older, before.id);
    const is = relationshipsOf(newer, after.id);
    const expected = new Map<string, string>();
    for (const [id, modified] of is) {
      if (!was.has(id)) expected.set(id, 'ADDED');
      else if (was.get(id) !== modified) expected.set(id, 'MODIFIED');
    }
    for (const id of was.keys()) if (!is.has(id)) expected.set(id, 'REMOVED');
    expect(expected.size).toBeGreaterThan(0);
    const shown = await pair
      .locator('tbody tr[data-key^="relationship--"]')
      .evaluateAll((rows) =>
        rows.map(
          (row) => [row.getAttribute('data-key') ?? '', row.querySelector('td')?.textContent ?? ''] as const,
        ),
      );
    expect(new Map(shown)).toEqual(expected);
    // Each row names the ends by ATT&CK ID, as in the newer release (or the older, for a removed one).
    const ends = await pair
      .locator('tbody tr[data-key^="relationship--"]')
      .evaluateAll((rows) =>
        rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      );
    for (const [, from, , to] of ends) expect([from, to]).toContain(TECHNIQUE);
    await pair.scrollIntoViewIfNeeded();
    await session.screenshot(page, 'technique-releases-t1003-001', { docs: true });
  });

  it('release=<older> carries from page to page, and the picker goes back to the newest', async () => {
    // A group whose direct techniques differ between the two raw bundles, so the colours tell the releases apart.
    const group = newer
      .ofType('intrusion-set')
      .map((g) => attackIdOf(g) ?? '')
      .find((id) => {
        if (!older.ofType('intrusion-set').some((g) => attackIdOf(g) === id)) return false;
        const a = [...directTechniques(older, id)].sort();
        const b = [...directTechniques(newer, id)].sort();
        return a.length > 0 && JSON.stringify(a) !== JSON.stringify(b);
      });
    expect(group).toBeDefined();
    const id = group as string;
    const then = directTechniques(older, id);
    const now = directTechniques(newer, id);
    const page = await session.open(`/matrix?release=${releaseOf(OLDER)}&groups=${id}&expand=all`);
    await matrixReady(page);
    expect([...coloured(await cellsOf(page), ONE_GROUP)].sort()).toEqual([...then].sort());
    const picker = page.getByLabel('ATT&CK release');
    expect(await picker.inputValue()).toBe(releaseOf(OLDER));

    // A cell's link keeps the release: the technique page reads the older release too.
    const used = [...then].sort()[0] as string;
    const exactly = new RegExp(`^${used.replace('.', '\\.')}$`);
    await page
      .locator('a.cell')
      .filter({ has: page.locator('.id', { hasText: exactly }) })
      .first()
      .click();
    await page.waitForURL((url) => url.pathname === `/techniques/${used}`);
    expect(new URL(page.url()).searchParams.get('release')).toBe(releaseOf(OLDER));
    await page
      .getByRole('heading', { level: 1, name: new RegExp(`^${used.replace('.', '\\.')} `) })
      .waitFor();
    const groupRows = page.getByRole('region', { name: 'Groups' }).locator('tbody tr td:first-child');
    await groupRows.first().waitFor();
    expect(await groupRows.allTextContents()).toContain(id);

    // Back on the matrix, "newest" drops the parameter and the colours become the newer bundle's.
    await page.goBack();
    await matrixReady(page);
    await page.getByLabel('ATT&CK release').selectOption('');
    await page.waitForURL((url) => !url.searchParams.has('release'));
    await matrixReady(page);
    // The page redraws after the URL changed: wait for the newer colours rather than a marker still there.
    await expect
      .poll(async () => [...coloured(await cellsOf(page), ONE_GROUP)].sort(), { timeout: 60_000 })
      .toEqual([...now].sort());
  });
});
