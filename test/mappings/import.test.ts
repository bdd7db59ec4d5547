/**
 * The control-mapping import as a user runs it (`npm run import -- <dir | file>`), against a real
 * Neo4j: counts equal the raw files', re-import writes nothing, a newer version replaces the older
 * one in one step, bad input names file, index and field and writes nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchDataVersion } from '../../src/data/graph-state.ts';
import { importCli } from '../helpers/cli.ts';
import { connectTestDb, type TestDb } from '../helpers/db.ts';
import { graphDigest } from '../helpers/graph.ts';
import { rawCounts, rawMappingFiles, readRaw } from '../helpers/mapping-oracle.ts';
import { MAPPINGS_DIR, MINI_ENTERPRISE, mappingPath } from '../helpers/paths.ts';

const AWS = 'aws-12.12.2024_attack-16.1-enterprise.json';
const KEV_MOBILE = 'kev-07.28.2025_attack-16.1-mobile.json';

let db: TestDb;
const tmp = mkdtempSync(path.join(tmpdir(), 'mappings-'));

/** A copy of a real file, changed by `edit`, written to a temporary file. */
function variant(
  file: string,
  name: string,
  edit: (json: Record<string, unknown> & ReturnType<typeof readRaw>) => void,
) {
  const json = readRaw(file) as Record<string, unknown> & ReturnType<typeof readRaw>;
  edit(json);
  const out = path.join(tmp, name);
  writeFileSync(out, JSON.stringify(json));
  return out;
}

async function setCounts() {
  return db.executor.read({
    name: 'test.mappingSetCounts',
    cypher: `MATCH (f:MappingFramework)
             CALL (f) { MATCH (:Control)-[m:MAPS_TO {set: f.key}]->(t) RETURN count(m) AS mappings, count(DISTINCT t) AS techniques }
             CALL (f) { MATCH (c:Control) WHERE f.key IN c.sets RETURN count(c) AS controls }
             RETURN f.framework AS framework, f.domain AS domain, f.version AS version, mappings, techniques, controls,
                    size(f.unmappableTechniques) AS unmappableTechniques ORDER BY framework, domain`,
  });
}

beforeAll(async () => {
  db = await connectTestDb();
  await db.reset();
});
afterAll(() => db.close());

describe('importing every file of ../shared/mappings', () => {
  it('imports the directory, and each set holds what its raw file says', async () => {
    const run = await importCli([MAPPINGS_DIR]);
    expect(run.stderr).toContain('mapex-unified-data-schema.json is not a mapping file; skipped');
    expect(run.code).toBe(0);
    const expected = rawMappingFiles()
      .map(rawCounts)
      .map(({ framework, domain, version, mappings, techniques, controls, unmappableTechniques }) => ({
        framework,
        domain,
        version,
        mappings,
        techniques,
        controls,
        unmappableTechniques,
      }))
      .sort((a, b) => `${a.framework}|${a.domain}`.localeCompare(`${b.framework}|${b.domain}`));
    expect(expected).toHaveLength(12);
    expect(await setCounts()).toEqual(expected);
  });

  it('re-importing writes nothing and keeps the data version', async () => {
    const before = await graphDigest(db.executor);
    const version = await fetchDataVersion(db.executor);
    const run = await importCli([MAPPINGS_DIR]);
    expect(run.code).toBe(0);
    expect(run.stderr.match(/unchanged: the graph already holds this file/g)).toHaveLength(12);
    expect(await graphDigest(db.executor)).toEqual(before);
    expect(await fetchDataVersion(db.executor)).toBe(version);
  });

  it('a newer version replaces the older one, an older one is refused', async () => {
    const version = await fetchDataVersion(db.executor);
    // The newer file drops the first mapped entry's technique and remaps the rest: nothing of the old may stay.
    const newer = variant(AWS, 'aws-newer.json', (json) => {
      json.metadata.mapping_framework_version = '01/15/2025';
      json.mapping_objects = json.mapping_objects.slice(0, 40);
    });
    const run = await importCli([`mappings:${newer}`]);
    expect(run.stderr).toContain('replaced 12/12/2024');
    expect(run.code).toBe(0);
    const aws = (await setCounts()).find((r) => r.framework === 'aws');
    const raw = readRaw(AWS).mapping_objects.slice(0, 40);
    const mapped = raw.filter((o) => o.status !== 'non_mappable' && o.mapping_type !== 'non_mappable');
    expect(aws).toMatchObject({
      version: '01/15/2025',
      mappings: mapped.length,
      techniques: new Set(mapped.map((o) => o.attack_object_id)).size,
      controls: new Set(raw.map((o) => o.capability_id)).size,
    });
    expect(await fetchDataVersion(db.executor)).not.toBe(version);

    const digest = await graphDigest(db.executor);
    const older = await importCli([mappingPath(AWS)]);
    expect(older.code).toBe(1);
    expect(older.stderr).toContain('aws enterprise 12/12/2024 is older than the imported 01/15/2025');
    expect(await graphDigest(db.executor)).toEqual(digest);

    // Back to the published file: remove, then import.
    expect((await importCli(['--remove', 'mappings:aws'])).code).toBe(0);
    expect((await setCounts()).some((r) => r.framework === 'aws')).toBe(false);
    expect((await importCli([mappingPath(AWS)])).code).toBe(0);
    expect((await setCounts()).find((r) => r.framework === 'aws')).toMatchObject({
      mappings: rawCounts(AWS).mappings,
    });
  });
});

describe('bad input names the file, the object and the field, and writes nothing', () => {
  const refused = async (source: string, ...expected: string[]) => {
    const before = await graphDigest(db.executor);
    const run = await importCli([source]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('nothing was written');
    for (const text of expected) expect(run.stderr).toContain(text);
    expect(await graphDigest(db.executor)).toEqual(before);
  };

  it('a STIX bundle given as mappings', () =>
    refused(
      `mappings:${MINI_ENTERPRISE}`,
      `${MINI_ENTERPRISE}: metadata: an object describing the mapping`,
      'mapping_objects: an array',
    ));

  it('a mapping without its framework', () =>
    refused(
      variant(AWS, 'no-framework.json', (json) => {
        delete (json.metadata as Partial<typeof json.metadata>).mapping_framework;
      }),
      'no-framework.json: metadata.mapping_framework:',
    ));

  it('a mapping without its attack_version', () =>
    refused(
      variant(AWS, 'no-attack-version.json', (json) => {
        delete (json.metadata as Partial<typeof json.metadata>).attack_version;
      }),
      'no-attack-version.json: metadata.attack_version:',
    ));

  it('a KEV capability that is not a CVE id, among good files (none of them is written)', async () => {
    const dir = path.join(tmp, 'bad-dir');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    // A good file that would replace the imported AWS set, were the directory not refused as a whole.
    variant(AWS, 'bad-dir/a-good.json', (json) => {
      json.metadata.mapping_framework_version = '02/01/2025';
    });
    const bad = variant(KEV_MOBILE, 'bad-dir/kev.json', (json) => {
      const o = json.mapping_objects[3];
      if (o) o.capability_id = 'CVE-2021-X';
    });
    expect(bad).toContain('bad-dir');
    await refused(dir, 'kev.json: mapping_objects[3] capability_id: expected a CVE id', '"CVE-2021-X"');
  });
});
