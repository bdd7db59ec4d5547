import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importAtomic } from '../../import/atomic/index.ts';
import { importSource } from '../../import/index.ts';
import { atomicTestsByTechnique } from '../../src/data/atomic.ts';
import { fetchDataVersion } from '../../src/data/graph-state.ts';
import { rawGuids, rawTestsByTechnique } from '../helpers/atomic.ts';
import { importCli } from '../helpers/cli.ts';
import { connectTestDb, type TestDb } from '../helpers/db.ts';
import { atomicDir, bundlePath } from '../helpers/paths.ts';
import { attackIdOf, type Obj } from '../helpers/reference.ts';

let db: TestDb;
let tmp: string;
const ENTERPRISE = 'enterprise-attack-18.1';

/** Technique ATT&CK IDs the 18.1 bundle holds (any state: a revoked technique is still known). */
async function bundleTechniqueIds(): Promise<Set<string>> {
  const bundle = JSON.parse(await readFile(bundlePath(ENTERPRISE), 'utf8')) as { objects: Obj[] };
  return new Set(
    bundle.objects.filter((o) => o.type === 'attack-pattern').flatMap((o) => attackIdOf(o) ?? []),
  );
}

/**
 * The Atomic content (every node and relationship of its labels) and the graph's totals: what an
 * atomic import could write. Cheaper than a digest of the whole graph on a loaded machine.
 */
async function atomicDigest() {
  const [row] = await db.executor.read({
    name: 'test.atomicDigest',
    cypher: `CALL () { MATCH (n) RETURN count(n) AS nodes }
             CALL () { MATCH ()-[r]->() RETURN count(r) AS rels }
             CALL () {
               MATCH (n) WHERE n:AtomicTest OR n:AtomicIndex OR n:AtomicImportRun
               WITH n ORDER BY labels(n)[0], n.guid, n.id
               RETURN collect([labels(n), properties(n), COUNT { (n)--() }]) AS atomic
             }
             RETURN nodes, rels, atomic`,
  });
  return JSON.stringify(row);
}

beforeAll(async () => {
  db = await connectTestDb();
  await db.reset();
  tmp = await mkdtemp(path.join(tmpdir(), 'attack-graph-atomic-'));
  // The Atomic index first, then ATT&CK: the tests join techniques when read, so no re-linking.
  const first = await importAtomic(db.executor, `atomic:${atomicDir()}`);
  expect(first).toMatchObject({ changed: true, release: null });
  await importSource(db.executor, bundlePath(ENTERPRISE));
});
afterAll(() => db.close());

describe('npm run import -- atomic:<dir>', () => {
  it('stores one test per GUID of the whole index, each technique with the tests the raw CSV gives it', async () => {
    const raw = rawTestsByTechnique('index.csv');
    const [count] = await db.executor.read({
      name: 'test.atomicCount',
      cypher: 'MATCH (t:AtomicTest) RETURN count(t) AS n',
    });
    expect(count?.n).toBe(rawGuids('index.csv').size);
    const stored = await atomicTestsByTechnique(db.executor, [...raw.keys()]);
    const perTechnique = (m: Map<string, Iterable<unknown>>) =>
      Object.fromEntries([...m].map(([id, tests]) => [id, [...tests].length]).sort());
    expect(perTechnique(stored)).toEqual(perTechnique(raw));
    for (const [id, guids] of raw) expect(new Set(stored.get(id)?.map((t) => t.guid))).toEqual(guids);
  });

  it('gives each platform the tests its own index file lists', async () => {
    for (const [platform, file] of [
      ['Windows', 'windows-index.csv'],
      ['linux', 'linux-index.csv'],
      ['IaaS', 'iaas-index.csv'],
    ] as const) {
      const raw = rawTestsByTechnique(file);
      const all = rawTestsByTechnique('index.csv');
      const stored = await atomicTestsByTechnique(db.executor, [...all.keys()], platform);
      const nonEmpty = [...stored].filter(([, tests]) => tests.length > 0);
      expect(
        Object.fromEntries(nonEmpty.map(([id, tests]) => [id, new Set(tests.map((t) => t.guid))])),
      ).toEqual(Object.fromEntries(raw));
    }
  });

  it('re-imports writing nothing, and reports the technique IDs 18.1 does not know', async () => {
    const before = await atomicDigest();
    const version = await fetchDataVersion(db.executor);
    const { code, stdout } = await importCli(['--json', `atomic:${atomicDir()}`]);
    expect(code).toBe(0);
    const [report] = JSON.parse(stdout);
    expect(report).toMatchObject({
      kind: 'atomic',
      changed: false,
      release: '18.1',
      tests: rawGuids('index.csv').size,
    });
    expect(await atomicDigest()).toEqual(before);
    expect(await fetchDataVersion(db.executor)).toBe(version);
    const known = await bundleTechniqueIds();
    const expected = [...rawTestsByTechnique('index.csv').keys()].filter((id) => !known.has(id)).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(report.unknownTechniques).toEqual(expected.map((id) => ({ id, knownIn: [] })));
    expect(report.unknownTactics.map((u: { id: string }) => u.id)).toEqual(['defense-impairment', 'stealth']);
  });

  it('prints the unknown IDs for people too', async () => {
    const { code, stderr } = await importCli([`atomic:${atomicDir()}`]);
    expect(code).toBe(0);
    expect(stderr).toContain('unchanged: the graph already holds this index; nothing written');
    expect(stderr).toMatch(/technique IDs unknown in ATT&CK 18\.1: \d+: .*T1685/);
  });

  it('refuses a CSV with the wrong columns, naming the file, line and column, and writes nothing', async () => {
    const dir = path.join(tmp, 'bad-columns');
    await cp(atomicDir(), dir, { recursive: true });
    const file = path.join(dir, 'linux-index.csv');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('Test GUID', 'GUID'), { mode: 0o644 });
    const before = await atomicDigest();
    const { code, stderr } = await importCli([`atomic:${dir}`]);
    expect(code).toBe(1);
    expect(stderr).toContain(`error: ${file}, line 1, column "Test GUID": missing column`);
    expect(stderr).toContain('nothing was written');
    expect(await atomicDigest()).toEqual(before);
  });

  it('refuses a bad value deep in a file at its line and column, and writes nothing', async () => {
    const file = path.join(tmp, 'index.csv');
    const lines = (await readFile(path.join(atomicDir(), 'index.csv'), 'utf8')).split('\n');
    lines[1500] = lines[1500]?.replace(/,T(\d{4})/, ',X$1') ?? '';
    await writeFile(file, lines.join('\n'));
    const before = await atomicDigest();
    const { code, stderr } = await importCli([`atomic:${file}`]);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(`${file}, line 1501, column "Technique #": "X\\d{4}.*" is not an ATT&CK technique ID`),
    );
    expect(await atomicDigest()).toEqual(before);
  });

  it('replaces the stored index with a changed one in one run, and the data version moves', async () => {
    const version = await fetchDataVersion(db.executor);
    const report = await importAtomic(db.executor, path.join(atomicDir(), 'windows-index.csv'));
    const windows = rawGuids('windows-index.csv');
    expect(report).toMatchObject({
      changed: true,
      added: 0,
      removed: rawGuids('index.csv').size - windows.size,
    });
    const [count] = await db.executor.read({
      name: 'test.atomicCount',
      cypher: 'MATCH (t:AtomicTest) RETURN count(t) AS n',
    });
    expect(count?.n).toBe(windows.size);
    expect(await fetchDataVersion(db.executor)).not.toBe(version);
    // Back to the whole index for the files after this one.
    expect((await importAtomic(db.executor, atomicDir())).changed).toBe(true);
  });
});
