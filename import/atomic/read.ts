import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AtomicTest } from '../../src/atomic.ts';
import { ImportError } from '../errors.ts';
import { type IndexRow, parseIndex, platformOfFile, testsOf } from './parse.ts';

export interface AtomicInput {
  /** What the user named (the path as given). */
  source: string;
  /** The files read, relative to the source directory (or the file's own name). */
  files: string[];
  tests: AtomicTest[];
  /** Content hash of the tests as they would be stored: equal hashes mean nothing to write. */
  sha256: string;
}

/**
 * Reads `index.csv`, a per-platform `<platform>-index.csv`, or a directory of them. In a
 * directory, index.csv gives every test and each per-platform file adds its platform to the tests
 * it lists (a test only a platform file lists is taken too).
 */
export async function readAtomic(source: string): Promise<AtomicInput> {
  const info = await stat(source).catch(() => {
    throw new ImportError(`atomic:${source}: no such file or directory`);
  });
  const dir = info.isDirectory() ? source : path.dirname(source);
  const names = info.isDirectory()
    ? (await readdir(source)).filter((f) => /(^|-)index\.csv$/i.test(f)).sort(indexFirst)
    : [path.basename(source)];
  if (names.length === 0)
    throw new ImportError(`atomic:${source}: the directory holds no index.csv nor <platform>-index.csv`);
  const rows: IndexRow[] = [];
  for (const name of names) {
    const text = await readFile(path.join(dir, name), 'utf8');
    // Errors name the file as the user would find it.
    rows.push(...parseIndex(info.isDirectory() ? path.join(source, name) : source, text));
  }
  const platformOf = (file: string) => platformOfFile(path.basename(file));
  const tests = testsOf(rows, platformOf);
  return { source, files: names, tests, sha256: hashTests(tests) };
}

export function hashTests(tests: readonly AtomicTest[]): string {
  return createHash('sha256').update(JSON.stringify(tests)).digest('hex');
}

/** index.csv first: its order of rows (and so of a test's tactics) is the index's own. */
function indexFirst(a: string, b: string): number {
  const rank = (f: string) => (f.toLowerCase() === 'index.csv' ? 0 : 1);
  return rank(a) - rank(b) || a.localeCompare(b);
}
