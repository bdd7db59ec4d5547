/**
 * The explorer's budgets (issue 13), measured against a running API (`npm start`):
 *   - the initial JavaScript, gzip: every script index.html loads, compressed as a server would;
 *   - the enterprise matrix with G0016's overlay, interactive: the app's performance mark
 *     `explorer:matrix-interactive` (the matrix and overlay drawn), read from the Performance API
 *     in headless Chromium, from navigation start, over fresh tabs.
 *
 *   npx tsx bench/explorer.ts [base URL, default http://127.0.0.1:4000] [runs, default 7]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadConfig } from '../src/env.ts';
import { launchOffline } from './browser.ts';
import { median } from './load.ts';

const BUDGET_JS_GZIP = 250 * 1024;
const BUDGET_INTERACTIVE_MS = 1000;
const MARK = 'explorer:matrix-interactive';
const PAGE = '/matrix?domain=enterprise&groups=G0016';

const base = process.argv[2] ?? 'http://127.0.0.1:4000';
const runs = Number(process.argv[3] ?? 7);

async function initialJavaScript(dir: string): Promise<{ files: string[]; raw: number; gzip: number }> {
  const html = await readFile(path.join(dir, 'index.html'), 'utf8');
  const files = [
    ...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="\/([^"]+\.js)"/g),
  ].map((m) => m[1] as string);
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    const body = await readFile(path.join(dir, file));
    raw += body.length;
    gzip += gzipSync(body, { level: 9 }).length;
  }
  return { files, raw, gzip };
}

const js = await initialJavaScript(loadConfig().explorer.dir);
const browser = await launchOffline(base);
const times: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const page = await browser.page();
    await page.goto(`${base}${PAGE}`);
    await page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, MARK, {
      timeout: 60_000,
    });
    times.push(
      await page.evaluate((mark) => performance.getEntriesByName(mark)[0]?.startTime ?? Number.NaN, MARK),
    );
    await page.close();
  }
} finally {
  await browser.close();
}
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
console.log(
  `initial JavaScript: ${js.files.join(', ')}: ${kb(js.raw)} raw, ${kb(js.gzip)} gzip (budget ${kb(BUDGET_JS_GZIP)})`,
);
console.log(
  `${PAGE} interactive, ms from navigation start over ${runs} fresh tabs: first ${times[0]?.toFixed(0)}, ` +
    `median ${median(times).toFixed(0)}, max ${Math.max(...times).toFixed(0)} (budget ${BUDGET_INTERACTIVE_MS})`,
);
const over = js.gzip > BUDGET_JS_GZIP || median(times) > BUDGET_INTERACTIVE_MS;
process.exitCode = over ? 1 : 0;
