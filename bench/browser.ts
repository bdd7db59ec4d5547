import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's `chromium` package (`.ci/run` installs it when missing). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless, and quiet: no sandbox (CI runs as root), no GPU, and none of Chromium's own traffic
 * (updates, sync, QUIC probes). `--host-resolver-rules` leaves only the loopback resolvable, so a
 * page that reaches for a CDN fails here exactly as it would on an air-gapped machine.
 */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

export interface OfflineBrowser {
  context: BrowserContext;
  /** A new tab. */
  page(): Promise<Page>;
  /** Every request a page tried outside `origin` (each was refused). */
  outside: string[];
  close(): Promise<void>;
}

/**
 * Chromium with a fresh profile (its own `--user-data-dir`, deleted on close) that may talk only
 * to `origin` (`http://127.0.0.1:<port>`): any other http(s) request is aborted and recorded.
 */
export async function launchOffline(origin: string): Promise<OfflineBrowser> {
  const profile = await mkdtemp(path.join(tmpdir(), 'attack-graph-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1600, height: 1000 },
  });
  const outside: string[] = [];
  await context.route(
    (url) => url.protocol.startsWith('http') && url.origin !== origin,
    async (route) => {
      outside.push(route.request().url());
      await route.abort('internetdisconnected');
    },
  );
  return {
    context,
    page: () => context.newPage(),
    outside,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
