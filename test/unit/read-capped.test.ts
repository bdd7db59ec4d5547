import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, readCapped } from '../../import/download.ts';

/** A regular file is read in one go (not streamed in 64 KB chunks); the size cap holds either way. */
describe('reading a bundle file', () => {
  let dir: string;
  const limits = { ...DEFAULT_LIMITS, maxBytes: 200_000 };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'read-capped-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('returns a regular file within the cap byte for byte', async () => {
    const bytes = Buffer.from(Array.from({ length: 150_000 }, (_, i) => (i * 7) % 256));
    const file = path.join(dir, 'within.json');
    await writeFile(file, bytes);
    expect((await readCapped(file, limits)).equals(bytes)).toBe(true);
  });

  it('returns an empty file as empty', async () => {
    const file = path.join(dir, 'empty.json');
    await writeFile(file, '');
    expect(await readCapped(file, limits)).toHaveLength(0);
  });

  it('refuses a regular file over the cap, naming it and the limit', async () => {
    const file = path.join(dir, 'over.json');
    await writeFile(file, Buffer.alloc(200_001, 0x20));
    await expect(readCapped(file, limits)).rejects.toThrow(
      new RegExp(`^${file}: the file is larger than .+ \\(IMPORT_MAX_BYTES\\)$`),
    );
  });
});
