/**
 * Every real bundle in ATTACK_DATA_DIR imported side by side, in a shuffled order, once for the whole
 * file: each release's snapshot and :Release record hold the counts computed from that bundle's raw
 * JSON (test/helpers/stix-counts.ts), and enterprise 18.1's import run records 17.1 -> 18.1.
 * Slow (nine whole bundles): a minute or two.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImportReport, importSource } from '../../import/index.ts';
import { summarize } from '../../src/change-log.ts';
import { connectTestDb, type TestDb } from '../helpers/db.ts';
import { graphCounts } from '../helpers/graph.ts';
import { bundlePath } from '../helpers/paths.ts';
import { emptyGraph, importInMemory, stageBundle } from '../helpers/stages.ts';
import { expectedCounts, readBundle } from '../helpers/stix-counts.ts';

// Not in release order: an import is diffed against the next-older release, whatever came before.
const BUNDLES = [
  'mobile-attack-17.1',
  'ics-attack-18.1',
  'enterprise-attack-6.3',
  'enterprise-attack-15.1',
  'enterprise-attack-17.1',
  'enterprise-attack-16.1',
  'enterprise-attack-18.1',
  'mobile-attack-18.1',
  'ics-attack-17.1',
];
const domainOf = (name: string) => name.replace(/-[\d.]+$/, '');
const releaseOf = (name: string) => name.replace(/^.*-/, '');

/** The most specific label of each STIX type: the GraphQL type name a :Release counts by. */
const TYPE_NAMES: Record<string, string> = {
  'x-mitre-tactic': 'Tactic',
  'attack-pattern': 'Technique',
  'intrusion-set': 'Group',
  malware: 'Malware',
  tool: 'Tool',
  'course-of-action': 'Mitigation',
  campaign: 'Campaign',
  'x-mitre-data-source': 'DataSource',
  'x-mitre-data-component': 'DataComponent',
  'x-mitre-detection-strategy': 'DetectionStrategy',
  'x-mitre-analytic': 'Analytic',
  'x-mitre-asset': 'Asset',
  'x-mitre-matrix': 'Matrix',
};

/** What the raw JSON says a release record holds, computed without the importer's code. */
function expectedRelease(name: string) {
  const objects = readBundle(bundlePath(name));
  const domain = domainOf(name);
  const { labels, rels } = expectedCounts(objects, domain);
  const ids = new Set(objects.map((o) => o.id));
  // A relationship with an end outside the bundle (enterprise 6.3 has one, into mobile 6.3) waits
  // for that domain's bundle of the same release, which is not here.
  for (const o of objects)
    if (o.type === 'relationship' && (!ids.has(o.source_ref) || !ids.has(o.target_ref))) {
      const type = o.relationship_type.toUpperCase().replaceAll('-', '_');
      rels[type] = (rels[type] ?? 0) - 1;
      if (rels[type] === 0) delete rels[type];
    }
  const types: Record<string, number> = {};
  for (const o of objects) {
    const t = TYPE_NAMES[o.type];
    if (t) types[t] = (types[t] ?? 0) + 1;
  }
  const collection = objects.find((o) => o.type === 'x-mitre-collection');
  const dates = objects.map((o) => String(o.modified ?? '')).sort();
  const modified = collection?.modified ?? dates[dates.length - 1];
  const relationshipCount = Object.values(rels).reduce((a, b) => a + b, 0);
  return { labels, rels, types, modified, relationshipCount };
}

let db: TestDb;
const reports = new Map<string, ImportReport>();
const read = (cypher: string, params = {}) => db.executor.read({ name: 'test', cypher }, params);

beforeAll(async () => {
  db = await connectTestDb();
  await db.reset();
  for (const name of BUNDLES) reports.set(name, await importSource(db.executor, bundlePath(name)));
}, 600_000);
afterAll(() => db.close());

describe('the real bundles side by side', () => {
  it('import each as its own release', () => {
    for (const name of BUNDLES) {
      const report = reports.get(name);
      expect(report?.changed, name).toBe(true);
      expect(report?.problems, name).toEqual([]);
      expect(report?.attackVersion, name).toBe(releaseOf(name));
    }
  });

  it('hold, per release, the nodes per label and relationships per type of the raw JSON', async () => {
    for (const name of BUNDLES) {
      const { labels, rels } = expectedRelease(name);
      expect(await graphCounts(db.executor, domainOf(name), releaseOf(name)), name).toEqual({ labels, rels });
    }
  });

  it('record each (domain, release) with the raw JSON counts and date', async () => {
    const rows = await read(
      `MATCH (r:Release) RETURN r.domain AS domain, r.release AS release, r.objectCount AS objects,
              r.relationshipCount AS rels, r.countsJson AS counts, r.modified AS modified`,
    );
    expect(rows.map((r) => `${r.domain}-${r.release}`).sort()).toEqual([...BUNDLES].sort());
    for (const r of rows) {
      const name = `${r.domain}-${r.release}`;
      const want = expectedRelease(name);
      expect(JSON.parse(String(r.counts)), name).toEqual(want.types);
      expect(r.objects, name).toBe(Object.values(want.types).reduce((a, b) => a + b, 0));
      expect(r.rels, name).toBe(want.relationshipCount);
      expect(r.modified, name).toBe(want.modified);
    }
  });

  it('keep relationships inside their release, and :Current on the newest release only', async () => {
    const [crossing] = await read('MATCH (a)-[r]->(b) WHERE a.release <> b.release RETURN count(r) AS n');
    expect(crossing).toEqual({ n: 0 });
    const current = await read('MATCH (n:Current) RETURN DISTINCT n.release AS release');
    expect(current).toEqual([{ release: '18.1' }]);
    const [all18] = await read(
      "MATCH (n:AttackObject {release: '18.1'}) WHERE NOT n:Current RETURN count(n) AS n",
    );
    expect(all18).toEqual({ n: 0 });
  });

  it("record enterprise 18.1's run as the change set 17.1 -> 18.1 (16.1 was imported between)", () => {
    const older = importInMemory(emptyGraph(), stageBundle(bundlePath('enterprise-attack-17.1')).rows);
    const { plan } = importInMemory(older.graph, stageBundle(bundlePath('enterprise-attack-18.1')).rows);
    expect(reports.get('enterprise-attack-18.1')?.summary).toEqual(summarize(plan.changes));
    // 16.1 came after 17.1 but is older: diffed against 15.1, the newest release older than it.
    const v15 = importInMemory(emptyGraph(), stageBundle(bundlePath('enterprise-attack-15.1')).rows);
    const v16 = importInMemory(v15.graph, stageBundle(bundlePath('enterprise-attack-16.1')).rows);
    expect(reports.get('enterprise-attack-16.1')?.summary).toEqual(summarize(v16.plan.changes));
  });
});
