import type { Page } from 'playwright-core';
import type { StixIndex } from './stix.ts';

/** ColorBrewer Blues as the browser reports them: the one-group colour, and "all of several". */
export const ONE_GROUP = 'rgb(49, 130, 189)';
export const ALL_GROUPS = 'rgb(8, 81, 156)';
export const UNMARKED = 'rgb(255, 255, 255)';

export interface SeenCell {
  id: string;
  background: string;
  label: string;
}

/** Every technique cell on the page: its ATT&CK ID, its colour and its accessible name. */
export const cellsOf = (page: Page): Promise<SeenCell[]> =>
  page.$$eval('a.cell', (cells) =>
    cells.map((cell) => ({
      id: cell.querySelector('.id')?.textContent ?? '',
      background: getComputedStyle(cell).backgroundColor,
      label: cell.getAttribute('aria-label') ?? '',
    })),
  );

/** Resolves once the matrix page has drawn the matrix with its overlay. */
export const matrixReady = (page: Page) =>
  page.locator('#matrix-ready').waitFor({ state: 'attached', timeout: 60_000 });

export const coloured = (cells: SeenCell[], colour: string) =>
  new Set(cells.filter((c) => c.background === colour).map((c) => c.id));

/** ATT&CK IDs of the techniques and sub-techniques a group uses directly, from the raw STIX. */
export function directTechniques(stix: StixIndex, group: string): Set<string> {
  const g = stix.byAttackId('intrusion-set', group);
  return new Set([...stix.actorTechniques(g.id, ['DIRECT']).keys()].map((id) => stix.attackIdById(id) ?? ''));
}
