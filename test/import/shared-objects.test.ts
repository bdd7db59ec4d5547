import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSource } from '../../import/index.ts';
import { connectTestDb, type TestDb } from '../helpers/db.ts';
import { graphDigest } from '../helpers/graph.ts';
import { MINI_ENTERPRISE, MINI_ICS } from '../helpers/paths.ts';

/*
 * Objects that two domains share with equal `modified` but different content (82 of them in
 * enterprise and ICS 18.1: labels, is_family, spec_version). The last domain imported used to win,
 * so each repeat of the same imports rewrote them and recorded a run.
 */

const GROUP = 'intrusion-set--00000000-0000-4000-8000-000000000300';
const MALWARE = 'malware--00000000-0000-4000-8000-000000000400';
const USES = 'relationship--00000000-0000-4000-8000-000000001003';

type Obj = Record<string, unknown> & { id: string };

let db: TestDb;
let ics: string;
let enterpriseChanged: string;

beforeAll(async () => {
  db = await connectTestDb();
  const enterprise = JSON.parse(await readFile(MINI_ENTERPRISE, 'utf8')) as { objects: Obj[] };
  const bundle = JSON.parse(await readFile(MINI_ICS, 'utf8')) as { objects: Obj[] };
  const copy = (id: string) => structuredClone(enterprise.objects.find((o) => o.id === id) as Obj);
  // Same ids and `modified` as in the enterprise bundle; some fields differ.
  const group = bundle.objects.find((o) => o.id === GROUP) as Obj;
  group.description = 'The ICS bundle describes this group differently.';
  group.aliases = ['Fixture Panda'];
  bundle.objects.push(
    { ...copy(MALWARE), labels: ['ics-label'], x_mitre_domains: ['ics-attack'] },
    { ...copy(USES), description: 'ICS text for the same relationship.' },
  );
  const dir = await mkdtemp(path.join(tmpdir(), 'attack-graph-shared-'));
  ics = path.join(dir, 'mini-ics-shared.json');
  await writeFile(ics, JSON.stringify(bundle));
  // Enterprise changes its version of the group without a new `modified`.
  const changed = structuredClone(enterprise);
  Object.assign(changed.objects.find((o) => o.id === GROUP) as Obj, { description: 'Enterprise, revised.' });
  enterpriseChanged = path.join(dir, 'mini-enterprise-changed.json');
  await writeFile(enterpriseChanged, JSON.stringify(changed));
});
afterAll(() => db.close());

const runs = async () =>
  Number(
    (await db.executor.read({ name: 'test.runs', cypher: 'MATCH (r:ImportRun) RETURN count(r) AS n' }))[0]?.n,
  );

describe('objects two domains share with equal modified', () => {
  it('end the same whichever domain is imported first, and a repeat writes nothing', async () => {
    await db.reset();
    await importSource(db.executor, MINI_ENTERPRISE);
    await importSource(db.executor, ics);
    const enterpriseFirst = await graphDigest(db.executor, { attackOnly: true });
    const before = await graphDigest(db.executor);
    // Only what the two domains hold in different versions stores one: the version it does not hold.
    const stored = await db.executor.read({
      name: 'test.storedVersions',
      cypher: `MATCH (n:AttackObject) WHERE n.versions IS NOT NULL RETURN n.stixId AS id, n.versions AS versions
        UNION ALL MATCH ()-[r]->() WHERE r.versions IS NOT NULL RETURN r.stixId AS id, r.versions AS versions`,
    });
    expect(stored.map((r) => r.id).sort()).toEqual([GROUP, MALWARE, USES].sort());
    for (const r of stored) expect(r.versions).toHaveLength(1);
    const runsBefore = await runs();

    for (const source of [MINI_ENTERPRISE, ics, MINI_ENTERPRISE, ics]) {
      const report = await importSource(db.executor, source);
      expect(report.changed, source).toBe(false);
      expect(report.summary).toEqual({});
    }
    expect(await runs()).toBe(runsBefore);
    expect(await graphDigest(db.executor)).toEqual(before);

    await db.reset();
    await importSource(db.executor, ics);
    await importSource(db.executor, MINI_ENTERPRISE);
    expect(await graphDigest(db.executor, { attackOnly: true })).toEqual(enterpriseFirst);
  });

  it("never keep a domain's own older version: updating equals a fresh import", async () => {
    await db.reset();
    await importSource(db.executor, MINI_ENTERPRISE);
    await importSource(db.executor, ics);
    await importSource(db.executor, enterpriseChanged);
    const updated = await graphDigest(db.executor, { attackOnly: true });
    await db.reset();
    await importSource(db.executor, ics);
    await importSource(db.executor, enterpriseChanged);
    expect(await graphDigest(db.executor, { attackOnly: true })).toEqual(updated);
  });
});
