import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The explorer's built files (web/dist). Every page path gets index.html (the app routes itself),
 * read on each request: a rebuild while the API runs names new assets in it. `/assets/<name>` is a
 * hashed file, whose content never changes under its name, so each is read once and kept.
 */
export interface ExplorerFile {
  body: Buffer;
  headers: Record<string, string>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/**
 * The app loads only its own files and talks only to this origin; style attributes are set by
 * the app (the overlay's colours).
 */
const CSP =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function createExplorerFiles(dir: string) {
  const cache = new Map<string, Promise<ExplorerFile | null>>();
  const load = async (file: string): Promise<ExplorerFile | null> => {
    const body = await readFile(path.join(dir, file)).catch(() => null);
    if (!body) return null;
    const isAsset = file.startsWith('assets/');
    return {
      body,
      headers: {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        // Assets are named by their content hash; index.html names the current ones, so it is
        // always revalidated.
        'cache-control': isAsset ? 'public, max-age=31536000, immutable' : 'no-cache',
        'x-content-type-options': 'nosniff',
        'content-security-policy': CSP,
      },
    };
  };
  return {
    /** The file for an explorer route's path (see EXPLORER_PATH), or null when the build lacks it. */
    forPath(pathname: string): Promise<ExplorerFile | null> {
      if (!pathname.startsWith('/assets/')) return load('index.html');
      const file = pathname.slice(1);
      let found = cache.get(file);
      if (!found) {
        found = load(file);
        // A missing file is not remembered: a build may land while the API runs.
        void found.then((f) => f ?? cache.delete(file));
        cache.set(file, found);
      }
      return found;
    },
  };
}
