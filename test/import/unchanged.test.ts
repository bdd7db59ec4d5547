import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importSource } from '../../import/index.ts';
import { removeRelease } from '../../import/remove.ts';
import { createExecutor, type Executor } from '../../src/neo4j/executor.ts';
import { connectTestDb, type TestDb } from '../helpers/db.ts';
import { graphDigest } from '../helpers/graph.ts';
import { MINI_ENTERPRISE, MINI_ICS } from '../helpers/paths.ts';

/*
 * A re-import of the rows the snapshot already holds skips reading it back (import/unchanged.ts),
 * but only when nothing changed the snapshot since: a changed object, or another domain's import
 * into the same release, still takes the full read and compare.
 */

const GROUP = 'intrusion-set--00000000-0000-4000-8000-000000000300';
const TECHNIQUE = 'attack-pattern--00000000-0000-4000-8000-000000000100';

type Obj = Record<string, unknown> & { id: string };
type Bundle = { objects: Obj[] };

let db: TestDb;
let dir: string;
/** The statements each import ran, by name. */
let ran: string[] = [];
let executor: Executor;

const write = async (name: string, bundle: Bundle) => {
  const file = path.join(dir, name);
  await writeFile(file, JSON.stringify(bundle));
  return file;
};
const load = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Bundle;
const find = (b: Bundle, id: string) => {
  const o = b.objects.find((x) => x.id === id);
  if (!o) throw new Error(`fixture lacks ${id}`);
  return o;
};
/** Imports `file`; whether it read the snapshot back, and its report. */
const importing = async (file: string) => {
  ran = [];
  const report = await importSource(executor, file);
  return { report, readSnapshot: ran.includes('import.readNodes') && ran.includes('import.readRels') };
};
const groupDescription = async () =>
  (
    await db.executor.read(
      {
        name: 'test.group',
        cypher: 'MATCH (n:AttackObject {stixId: $id}) RETURN n.description AS description',
      },
      { id: GROUP },
    )
  )[0]?.description;

beforeAll(async () => {
  db = await connectTestDb();
  executor = createExecutor(db.driver, {
    database: db.config.neo4j.database,
    onQuery: (name) => ran.push(name),
  });
  dir = await mkdtemp(path.join(tmpdir(), 'attack-graph-unchanged-'));
});
afterAll(async () => {
  await executor.close();
  await db.close();
});
beforeEach(() => db.reset());

describe('a re-import of what the snapshot holds', () => {
  it('reads nothing back and writes nothing when the bundle and the snapshot are as they were', async () => {
    expect((await importing(MINI_ENTERPRISE)).report.changed).toBe(true);
    const before = await graphDigest(db.executor);
    const again = await importing(MINI_ENTERPRISE);
    expect(again.readSnapshot).toBe(false);
    expect(again.report).toMatchObject({ changed: false, runId: null, summary: {} });
    expect(again.report.loaded).toBeGreaterThan(0);
    expect(await graphDigest(db.executor)).toEqual(before);
  });

  it('still finds a single changed object, then skips again once it is written', async () => {
    await importing(MINI_ENTERPRISE);
    const bundle = await load(MINI_ENTERPRISE);
    Object.assign(find(bundle, TECHNIQUE), {
      description: 'Revised.',
      modified: '2026-01-01T00:00:00.000Z',
    });
    const changed = await write('mini-enterprise-one-change.json', bundle);
    const update = await importing(changed);
    expect(update.readSnapshot).toBe(true);
    expect(update.report.changed).toBe(true);
    expect(update.report.summary).toEqual({ modified: 1 });
    const again = await importing(changed);
    expect(again).toMatchObject({ readSnapshot: false, report: { changed: false } });
    // The first bundle again is a change back.
    const back = await importing(MINI_ENTERPRISE);
    expect(back).toMatchObject({ readSnapshot: true, report: { changed: true, summary: { modified: 1 } } });
  });

  it("reads and compares again after another domain's import changed the release's snapshot", async () => {
    // ICS's version of the shared group is newer: the node holds it, enterprise's version is recorded.
    const enterprise = await load(MINI_ENTERPRISE);
    const ics = await load(MINI_ICS);
    Object.assign(find(ics, GROUP), { description: 'ICS, newer.', modified: '2026-01-01T00:00:00.000Z' });
    const icsNewer = await write('mini-ics-newer-group.json', ics);
    // Then ICS drops the group: its node keeps ICS's text until enterprise's import writes its own.
    const icsWithout = await write('mini-ics-without-group.json', {
      ...ics,
      objects: ics.objects.filter((o) => o.id !== GROUP && o.source_ref !== GROUP && o.target_ref !== GROUP),
    });
    const enterpriseText = find(enterprise, GROUP).description;

    await importing(MINI_ENTERPRISE);
    expect((await importing(icsNewer)).report.changed).toBe(true);
    expect(await groupDescription()).toBe('ICS, newer.');
    expect((await importing(icsWithout)).report.changed).toBe(true);
    expect(await groupDescription()).toBe('ICS, newer.');
    // Same bundle, same rows as enterprise's last import: only the stamps tell that it must compare.
    const again = await importing(MINI_ENTERPRISE);
    expect(again.readSnapshot).toBe(true);
    expect(again.report.changed).toBe(true);
    expect(await groupDescription()).toBe(enterpriseText);
    expect((await importing(MINI_ENTERPRISE)).readSnapshot).toBe(false);
  });

  it("reads and compares again after a removal from the release's snapshot", async () => {
    await importing(MINI_ENTERPRISE);
    await importing(MINI_ICS);
    // ICS's import changed the snapshot after enterprise's: enterprise compares once, finds nothing.
    expect(await importing(MINI_ENTERPRISE)).toMatchObject({
      readSnapshot: true,
      report: { changed: false },
    });
    await removeRelease(db.executor, 'ics-attack@1.0');
    const again = await importing(MINI_ENTERPRISE);
    expect(again.readSnapshot).toBe(true);
  });
});
