import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSource } from '../../import/index.ts';
import { connectTestDb, type TestDb } from '../helpers/db.ts';
import { domainMembers, graphCounts, graphDigest } from '../helpers/graph.ts';
import { bundlePath } from '../helpers/paths.ts';
import { expectedCounts, readBundle } from '../helpers/stix-counts.ts';

let db: TestDb;
beforeAll(async () => {
  db = await connectTestDb();
  await db.reset();
});
afterAll(() => db.close());

async function importAndCheck(name: string, domain: string) {
  const report = await importSource(db.executor, bundlePath(name));
  expect(report.problems).toEqual([]);
  expect(report.domain).toBe(domain);
  // Each release is a snapshot of its own: the bundle's counts are its release's.
  expect(await graphCounts(db.executor, domain, report.attackVersion)).toEqual(
    expectedCounts(readBundle(bundlePath(name)), domain),
  );
  return report;
}

describe('the five real ATT&CK bundles', () => {
  it('imports enterprise 17.1 (STIX 2.0) with the counts the raw JSON gives', async () => {
    const report = await importAndCheck('enterprise-attack-17.1', 'enterprise-attack');
    expect(report.attackVersion).toBe('17.1');
  });

  it('imports mobile 17.1 (STIX 2.1) and ICS 18.1 beside it', async () => {
    await importAndCheck('mobile-attack-17.1', 'mobile-attack');
    await importAndCheck('ics-attack-18.1', 'ics-attack');
  });

  // Releases: 18.1 is written beside 17.1 (which stays whole), and the run records 17.1 -> 18.1.
  it('imports enterprise 18.1 beside 17.1, leaving mobile and ICS alone, and records the changes', async () => {
    // Objects shared with enterprise carry their newest version, so compare membership, not flags.
    const mobile = await domainMembers(db.executor, 'mobile-attack');
    const ics = await domainMembers(db.executor, 'ics-attack');
    const report = await importAndCheck('enterprise-attack-18.1', 'enterprise-attack');
    expect(await graphCounts(db.executor, 'enterprise-attack', '17.1')).toEqual(
      expectedCounts(readBundle(bundlePath('enterprise-attack-17.1')), 'enterprise-attack'),
    );
    expect(report.changed).toBe(true);
    expect(report.summary.added).toBeGreaterThan(0);
    expect(report.summary.modified).toBeGreaterThan(0);
    expect(await domainMembers(db.executor, 'mobile-attack')).toEqual(mobile);
    expect(await domainMembers(db.executor, 'ics-attack')).toEqual(ics);
    const [run] = await db.executor.read({
      name: 'test',
      cypher:
        "MATCH (r:ImportRun {domain: 'enterprise-attack', attackVersion: '18.1'}) RETURN r.changesJson AS c",
    });
    const changes = JSON.parse(String(run?.c)) as { change: string; attackId: string }[];
    // Release 18 added detection strategies: every one is new.
    const strategies = readBundle(bundlePath('enterprise-attack-18.1')).filter(
      (o) => o.type === 'x-mitre-detection-strategy',
    );
    const added = new Set(changes.filter((c) => c.change === 'added').map((c) => c.attackId));
    expect(strategies.every((s) => added.has(s.external_references[0].external_id))).toBe(true);
  });

  it('writes nothing when 18.1 is imported again', async () => {
    const before = await graphDigest(db.executor);
    const report = await importSource(db.executor, bundlePath('enterprise-attack-18.1'));
    expect(report.changed).toBe(false);
    expect(await graphDigest(db.executor)).toEqual(before);
  });

  it('holds, after 17.1 then 18.1, an 18.1 snapshot equal to fresh 18.1 imports', async () => {
    await importAndCheck('mobile-attack-18.1', 'mobile-attack');
    const updated = await graphDigest(db.executor, { release: '18.1' });
    await db.reset();
    for (const name of ['ics-attack-18.1', 'mobile-attack-18.1', 'enterprise-attack-18.1']) {
      await importSource(db.executor, bundlePath(name));
    }
    expect(await graphDigest(db.executor, { release: '18.1' })).toEqual(updated);
  });

  it('writes nothing and records no run when enterprise and ICS 18.1 are imported again', async () => {
    // 82 objects both carry with equal `modified` but different labels: neither import may undo the other.
    const count = async () =>
      (await db.executor.read({ name: 'test', cypher: 'MATCH (r:ImportRun) RETURN count(r) AS n' }))[0]?.n;
    const before = await graphDigest(db.executor);
    const runs = await count();
    for (const name of ['enterprise-attack-18.1', 'ics-attack-18.1', 'enterprise-attack-18.1']) {
      const report = await importSource(db.executor, bundlePath(name));
      expect(report.changed, name).toBe(false);
    }
    expect(await count()).toEqual(runs);
    expect(await graphDigest(db.executor)).toEqual(before);
  });
});
