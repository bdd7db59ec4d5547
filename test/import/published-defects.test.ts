import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ImportError, InvalidBundleError, importSource } from '../../import/index.ts';
import { createLogger } from '../../src/logger.ts';
import { createApp } from '../../src/yoga.ts';
import { createGql } from '../helpers/app.ts';
import { connectTestDb, type TestDb } from '../helpers/db.ts';
import { graphCounts, graphDigest } from '../helpers/graph.ts';
import { bundlePath, fixturePath } from '../helpers/paths.ts';
import { expectedCounts, readBundle } from '../helpers/stix-counts.ts';

/*
 * MITRE's own releases reference objects outside their bundle (enterprise 6.3 -> a mobile-only
 * malware). Such a release imports by default, reports the defect, and the relationship is written
 * once the domain that holds its end is imported, in either order.
 */

const ENTERPRISE = fixturePath('cross-enterprise.json');
const MOBILE = fixturePath('cross-mobile.json');
const DEFECT = 'relationship--00000000-0000-4000-8000-00000000c502';
const GROUP = 'intrusion-set--00000000-0000-4000-8000-00000000c300';
const MALWARE = 'malware--00000000-0000-4000-8000-00000000c400';

let db: TestDb;
let dir: string;
beforeAll(async () => {
  db = await connectTestDb();
  dir = await mkdtemp(path.join(tmpdir(), 'attack-graph-defects-'));
});
afterAll(() => db.close());

const relationshipByKey = async (key: string) =>
  db.executor.read(
    {
      name: 'test.relByKey',
      cypher: `MATCH (a)-[r {key: $key}]->(b) RETURN type(r) AS type, a.stixId AS from, b.stixId AS to,
               r.domains AS domains, r.description AS description`,
    },
    { key },
  );

const runsOf = async (domain: string) =>
  db.executor.read(
    {
      name: 'test.runs',
      cypher: `MATCH (r:ImportRun {domain: $domain}) RETURN r.mode AS mode, r.defectsJson AS defectsJson,
               r.completedJson AS completedJson ORDER BY r.finishedAt`,
    },
    { domain },
  );

/** Relationships of a raw bundle whose source or target is no object of that bundle. */
function danglingOf(objects: Record<string, string>[]) {
  const ids = new Set(objects.map((o) => o.id));
  return objects.filter(
    (o) => o.type === 'relationship' && (!ids.has(o.source_ref) || !ids.has(o.target_ref)),
  );
}

async function variant(name: string, edit: (bundle: { objects: Record<string, unknown>[] }) => void) {
  const bundle = JSON.parse(await readFile(ENTERPRISE, 'utf8'));
  edit(bundle);
  const file = path.join(dir, name);
  await writeFile(file, JSON.stringify(bundle));
  return file;
}

describe('enterprise 6.3, as MITRE published it', () => {
  beforeAll(() => db.reset());

  it('imports by default, reporting the relationship whose target is only in mobile 6.3', async () => {
    const file = bundlePath('enterprise-attack-6.3');
    const raw = readBundle(file);
    const dangling = danglingOf(raw);
    // The README of the data names it; the test finds it in the raw JSON.
    expect(dangling.map((r) => r.id)).toEqual([expect.stringMatching(/^relationship--53364899-/)]);
    const report = await importSource(db.executor, file);
    expect(report.problems).toEqual([]);
    expect(report.defects).toEqual(
      dangling.map((r) => ({
        stixId: r.id,
        relationshipType: r.relationship_type,
        sourceRef: r.source_ref,
        targetRef: r.target_ref,
        missing: [r.target_ref],
        foundIn: [],
        written: false,
      })),
    );
    expect(report.pending).toBe(1);
    expect(report.loaded + report.ignored + report.unknown + report.rejected + report.pending).toBe(
      report.input,
    );
    // Everything else is there, with the counts the raw JSON gives once the dangling one is left out.
    const kept = raw.filter((o) => !dangling.includes(o));
    expect(await graphCounts(db.executor, 'enterprise-attack')).toEqual(
      expectedCounts(kept, 'enterprise-attack'),
    );
    expect(await relationshipByKey(dangling[0]?.id ?? '')).toEqual([]);
    const [run] = await runsOf('enterprise-attack');
    expect(run?.mode).toBe('default');
    expect(JSON.parse(String(run?.defectsJson))).toEqual(report.defects);
    // And over the API, as an integration reads the run.
    const gql = createGql(
      createApp({ config: db.config, executor: db.executor, logger: createLogger('silent') }),
    );
    const answer = await gql<{ importRuns: { nodes: unknown[] } }>(
      '{ importRuns(domain: ENTERPRISE) { nodes { mode defects { stixId relationshipType sourceRef targetRef missing written } } } }',
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.importRuns.nodes).toEqual([
      {
        mode: 'default',
        defects: report.defects.map(({ foundIn: _, ...d }) => d),
      },
    ]);
  });

  it('--strict still refuses it, naming the relationship and its target', async () => {
    await db.reset();
    const error = await importSource(db.executor, bundlePath('enterprise-attack-6.3'), {
      strict: true,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidBundleError);
    expect((error as Error).message).toMatch(
      /relationship--53364899-\S+: target_ref: .*malware--c41a8b7c-3e42-4eee-b87d-ad8a100ee878 is missing/,
    );
    expect((await graphDigest(db.executor)).nodes).toBe(0);
  });
});

describe('a cross-domain reference between two bundles of one release', () => {
  beforeEach(() => db.reset());

  it('enterprise then mobile: held by the first import, written by the second', async () => {
    const first = await importSource(db.executor, ENTERPRISE);
    expect(first.defects).toMatchObject([{ stixId: DEFECT, missing: [MALWARE], written: false }]);
    expect(await relationshipByKey(DEFECT)).toEqual([]);
    const second = await importSource(db.executor, MOBILE);
    expect(second.defects).toEqual([]);
    expect(second.notes).toContain(
      `${DEFECT} of enterprise-attack written: this bundle holds the end it lacked`,
    );
    expect(await relationshipByKey(DEFECT)).toEqual([
      {
        type: 'USES',
        from: GROUP,
        to: MALWARE,
        domains: ['enterprise-attack'],
        description: 'Dark Caracal used Pallas.',
      },
    ]);
    const [run] = await runsOf('mobile-attack');
    expect(JSON.parse(String(run?.completedJson))).toEqual([{ stixId: DEFECT, domain: 'enterprise-attack' }]);
  });

  it('mobile then enterprise: written at once, and reported as cross-domain', async () => {
    await importSource(db.executor, MOBILE);
    const report = await importSource(db.executor, ENTERPRISE);
    expect(report.defects).toMatchObject([{ stixId: DEFECT, foundIn: ['mobile-attack'], written: true }]);
    expect(report.pending).toBe(0);
    expect(await relationshipByKey(DEFECT)).toHaveLength(1);
  });

  it('both orders end with the same graph, and importing either again writes nothing', async () => {
    await importSource(db.executor, ENTERPRISE);
    await importSource(db.executor, MOBILE);
    const one = await graphDigest(db.executor, { attackOnly: true });
    expect((await importSource(db.executor, ENTERPRISE)).changed).toBe(false);
    expect((await importSource(db.executor, MOBILE)).changed).toBe(false);
    await db.reset();
    await importSource(db.executor, MOBILE);
    await importSource(db.executor, ENTERPRISE);
    expect(await graphDigest(db.executor, { attackOnly: true })).toEqual(one);
    expect((await importSource(db.executor, ENTERPRISE)).changed).toBe(false);
  });

  it('is not completed by a bundle of another release', async () => {
    const mobile = JSON.parse(await readFile(MOBILE, 'utf8'));
    mobile.objects[0].x_mitre_version = '2.0';
    const other = path.join(dir, 'cross-mobile-2.0.json');
    await writeFile(other, JSON.stringify(mobile));
    await importSource(db.executor, ENTERPRISE);
    await importSource(db.executor, other);
    expect(await relationshipByKey(DEFECT)).toEqual([]);
    await db.reset();
    await importSource(db.executor, other);
    const report = await importSource(db.executor, ENTERPRISE);
    expect(report.defects).toMatchObject([{ stixId: DEFECT, written: false }]);
    expect(await relationshipByKey(DEFECT)).toEqual([]);
  });

  it('a re-import without the relationship forgets it: a later mobile import does not write it', async () => {
    await importSource(db.executor, ENTERPRISE);
    const without = await variant('cross-enterprise-without.json', (b) => {
      b.objects = b.objects.filter((o) => o.id !== DEFECT);
    });
    await importSource(db.executor, without);
    await importSource(db.executor, MOBILE);
    expect(await relationshipByKey(DEFECT)).toEqual([]);
  });
});

describe('bad input is still refused', () => {
  beforeEach(() => db.reset());

  it('a reference to an object of the bundle that is invalid', async () => {
    const file = await variant('cross-invalid-target.json', (b) => {
      b.objects.push({
        type: 'malware',
        id: MALWARE,
        created: 'yesterday',
        modified: '2025-01-01T00:00:00.000Z',
        name: 'Pallas',
      });
    });
    const error = await importSource(db.executor, file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidBundleError);
    const { report } = error as InvalidBundleError;
    expect(report.problems).toContainEqual(expect.objectContaining({ stixId: DEFECT, path: 'target_ref' }));
    expect(report.defects).toEqual([]);
    expect((await graphDigest(db.executor)).nodes).toBe(0);
  });

  it('a reference to an object of the graph of the wrong type', async () => {
    await importSource(db.executor, MOBILE);
    const before = await graphDigest(db.executor);
    const file = await variant('cross-wrong-type.json', (b) => {
      const rel = b.objects.find((o) => o.id === DEFECT);
      // A mobile tactic cannot be used.
      if (rel) rel.target_ref = 'x-mitre-tactic--00000000-0000-4000-8000-00000000c021';
    });
    const error = await importSource(db.executor, file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidBundleError);
    expect((error as Error).message).toMatch(
      /target_ref: expected a reference to attack-pattern or malware or tool/,
    );
    expect(await graphDigest(db.executor)).toEqual(before);
  });

  it('strict and relaxed together', async () => {
    const error = await importSource(db.executor, ENTERPRISE, { strict: true, relaxed: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImportError);
    expect((error as Error).message).toMatch(/choose strict or relaxed/);
  });
});
