import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { unzipSync } from 'fflate';
import type { SigmaFile } from '../../src/sigma/parse.ts';
import { ImportError } from '../errors.ts';
import { decodeUtf8 } from '../read-text.ts';

/*
 * `sigma:<dir | file.yml | pack.zip>` to the pack's YAML files, each with its path relative to the
 * pack (what errors and `SigmaRule.path` name), in path order so the pack's hash is stable.
 */

const YAML = /\.ya?ml$/i;

export interface SigmaPack {
  /** The pack's name: the folder's or file's name without extension, unless one is given. */
  name: string;
  source: string;
  files: SigmaFile[];
  /** Over every file's path and bytes: an unchanged pack has the same hash. */
  sha256: string;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return walk(p);
      return Promise.resolve(e.isFile() && YAML.test(e.name) ? [p] : []);
    }),
  );
  return nested.flat();
}

export async function readSigmaPack(location: string, maxBytes: number, name?: string): Promise<SigmaPack> {
  const info = await stat(location).catch(() => {
    throw new ImportError(`sigma:${location}: no such file or folder`);
  });
  let raw: { path: string; bytes: Uint8Array }[];
  let total = 0;
  const count = (bytes: number, what: string) => {
    total += bytes;
    if (total > maxBytes)
      throw new ImportError(
        `sigma:${location}: over IMPORT_MAX_BYTES (${maxBytes} bytes) at ${what}; nothing written`,
      );
  };
  if (info.isDirectory()) {
    const found = await walk(location);
    raw = [];
    for (const file of found) {
      const bytes = await readFile(file);
      count(bytes.length, file);
      raw.push({ path: path.relative(location, file).split(path.sep).join('/'), bytes });
    }
  } else if (/\.zip$/i.test(location)) {
    count(info.size, location);
    const zipped = await readFile(location);
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(zipped, {
        filter: (f) => {
          if (!YAML.test(f.name)) return false;
          count(f.originalSize, `${location}/${f.name}`);
          return true;
        },
      });
    } catch (err) {
      if (err instanceof ImportError) throw err;
      throw new ImportError(`sigma:${location}: not a readable zip file: ${(err as Error).message}`);
    }
    raw = Object.entries(entries).map(([p, bytes]) => ({ path: p, bytes }));
  } else if (YAML.test(location)) {
    count(info.size, location);
    raw = [{ path: path.basename(location), bytes: await readFile(location) }];
  } else {
    throw new ImportError(`sigma:${location}: expected a folder, a .yml/.yaml file or a .zip rule pack`);
  }
  if (raw.length === 0)
    throw new ImportError(`sigma:${location}: holds no .yml or .yaml file; nothing written`);
  raw.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const hash = createHash('sha256');
  const files = raw.map(({ path: p, bytes }) => {
    hash.update(`${p}\0${bytes.length}\0`).update(bytes);
    return { path: p, text: decodeUtf8(bytes, p) };
  });
  const base = path.basename(path.resolve(location)).replace(/\.(zip|ya?ml)$/i, '');
  return { name: name ?? base, source: `sigma:${location}`, files, sha256: hash.digest('hex') };
}
