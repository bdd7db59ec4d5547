import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { importSource } from '../../import/index.ts';
import { connectTestDb, type TestDb } from './db.ts';
import { graphDigest } from './graph.ts';
import { MINI_ICS } from './paths.ts';

export interface Baseline {
  db: TestDb;
  /** The graph before the test's imports: a refused import must leave exactly this. */
  before: Awaited<ReturnType<typeof graphDigest>>;
  /** A fresh temporary folder for the test's own bundle files. */
  dir: string;
}

/**
 * The test database emptied and holding the mini ICS bundle, with its digest taken: the start of
 * tests that feed the importer bad input and check that nothing changed.
 */
export async function miniIcsBaseline(tmpPrefix: string): Promise<Baseline> {
  const db = await connectTestDb();
  await db.reset();
  await importSource(db.executor, MINI_ICS);
  const before = await graphDigest(db.executor);
  const dir = await mkdtemp(path.join(tmpdir(), tmpPrefix));
  return { db, before, dir };
}
