/**
 * `npm run import -- sigma:…` as a user runs it, over the real enterprise 18.1 graph: the 349 real
 * rules, their counts per technique against the raw files, the unknown IDs, re-import, removal,
 * zip packs and bad input (named by file, line and field, and nothing written).
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSource } from '../../import/index.ts';
import { fetchDataVersion } from '../../src/data/graph-state.ts';
import { fetchRulePacks, rulesByTechnique } from '../../src/data/sigma.ts';
import { importCli } from '../helpers/cli.ts';
import { connectTestDb, type TestDb } from '../helpers/db.ts';
import { bundlePath, SIGMA_DIR } from '../helpers/paths.ts';
import { attackIdOf, Reference } from '../helpers/reference.ts';
import { rawRulesPerTechnique, readRawRules } from '../helpers/sigma-reference.ts';

let db: TestDb;
const raw = readRawRules(SIGMA_DIR);
const ref = new Reference('enterprise-attack-18.1');
const ruleCount = () =>
  db.executor
    .read({ name: 'test.sigmaCount', cypher: 'MATCH (r:SigmaRule) RETURN count(r) AS n' })
    .then((r) => r[0]?.n);

beforeAll(async () => {
  db = await connectTestDb();
  await db.reset();
  await importSource(db.executor, bundlePath('enterprise-attack-18.1'));
  // A loaded machine (six engineers on two cores) has taken over 300 s for this one import.
}, 900_000);
afterAll(() => db.close());

describe('importing the real rules', () => {
  let report: Record<string, unknown>;

  beforeAll(async () => {
    const run = await importCli([`sigma:${SIGMA_DIR}`, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    report = JSON.parse(run.stdout)[0];
  });

  it('loads every rule, and as many rules per technique as the raw tags name', async () => {
    expect(raw).toHaveLength(349);
    expect(report).toMatchObject({ pack: 'sigma', rules: 349, added: 349, changed: true });
    expect(await ruleCount()).toBe(349);
    const expected = rawRulesPerTechnique(raw);
    const byTechnique = await rulesByTechnique(db.executor, [...expected.keys()]);
    expect(new Map([...byTechnique].map(([id, rules]) => [id, rules.length]))).toEqual(expected);
    expect(report.rulesPerTechnique).toEqual(Object.fromEntries(expected));
    // Each rule is listed under its own tags' IDs, with its file.
    for (const [id, rules] of byTechnique)
      for (const r of rules) expect(raw.find((x) => x.path === r.path)?.techniques).toContain(id);
  });

  it('lists the IDs and tactics 18.1 does not know, none dropped', async () => {
    const known = new Set(ref.objects.filter((o) => o.type === 'attack-pattern').map(attackIdOf));
    const tactics = new Set(
      ref.objects.filter((o) => o.type === 'x-mitre-tactic').map((o) => o.x_mitre_shortname),
    );
    const unknown = [...rawRulesPerTechnique(raw).keys()].filter((id) => !known.has(id)).sort();
    expect(unknown.length).toBeGreaterThan(0);
    expect(report.release).toBe('18.1');
    expect(report.unknownTechniques).toEqual(unknown.map((id) => ({ id, releases: [] })));
    const unknownTactics = [...new Set(raw.flatMap((r) => r.tactics))].filter((t) => !tactics.has(t)).sort();
    expect(report.unknownTactics).toEqual(unknownTactics.map((id) => ({ id, releases: [] })));
    // Kept on the rules all the same.
    const kept = await rulesByTechnique(db.executor, unknown);
    for (const id of unknown) expect(kept.get(id)?.length).toBe(rawRulesPerTechnique(raw).get(id));
    const run = await importCli([`sigma:${SIGMA_DIR}`]);
    expect(run.stderr).toContain(
      `techniques unknown in 18.1 (${unknown.length}): ${unknown[0]} (in no imported release)`,
    );
  });

  it('re-import writes nothing', async () => {
    const version = await fetchDataVersion(db.executor);
    const run = await importCli([`sigma:${SIGMA_DIR}`]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('unchanged: the graph already holds this pack; nothing written');
    expect(await fetchDataVersion(db.executor)).toBe(version);
    expect(await ruleCount()).toBe(349);
  });

  it('a zip pack and a single file import as packs of their own', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-'));
    const some = raw.slice(0, 5);
    const entries = Object.fromEntries(
      await Promise.all(
        some.map(async (r) => [r.path, new Uint8Array(await readFile(path.join(SIGMA_DIR, r.path)))]),
      ),
    );
    await writeFile(path.join(dir, 'five.zip'), zipSync(entries));
    const zipped = await importCli([`sigma:${path.join(dir, 'five.zip')}`]);
    expect(zipped.code).toBe(0);
    const one = await importCli([`sigma:${path.join(SIGMA_DIR, raw[0]?.path ?? '')}`, '--pack', 'single']);
    expect(one.code).toBe(0);
    const packs = await fetchRulePacks(db.executor);
    expect(packs.map((p) => [p.name, p.ruleCount])).toEqual([
      ['five', 5],
      ['sigma', 349],
      ['single', 1],
    ]);
    const removed = await importCli(['--remove', 'sigma:five', '--remove', 'sigma:single']);
    expect(removed.code).toBe(0);
    expect(await ruleCount()).toBe(349);
  });
});

describe('bad input names the file, line and field, and writes nothing', () => {
  const dirWith = async (files: Record<string, string>) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-bad-'));
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    return dir;
  };
  const good = raw[0]?.path ?? '';

  it('a YAML file that is not a Sigma rule, and malformed tags', async () => {
    const goodText = await readFile(path.join(SIGMA_DIR, good), 'utf8');
    const dir = await dirWith({
      'good.yml': goodText,
      'workflow.yml': 'name: ci\non: push\n',
      'tags.yml': goodText.replace(/^tags:\n/m, 'tags:\n    - attack.t1059.01\n'),
    });
    const version = await fetchDataVersion(db.executor);
    const run = await importCli([`sigma:${dir}`]);
    expect(run.code).toBe(1);
    const tagsLine = goodText.split('\n').findIndex((l) => l.startsWith('tags:')) + 2;
    expect(run.stderr).toContain(`tags.yml:${tagsLine}: tags[0]: expected an ATT&CK ID tag`);
    expect(run.stderr).toContain(
      'workflow.yml:1: title: not a Sigma rule: missing title, logsource, detection',
    );
    expect(run.stderr).toContain('nothing written');
    expect(await fetchDataVersion(db.executor)).toBe(version);
    expect((await fetchRulePacks(db.executor)).map((p) => p.name)).toEqual(['sigma']);
  });

  it('a pack over IMPORT_MAX_BYTES', async () => {
    const run = await importCli([`sigma:${SIGMA_DIR}`, '--pack', 'big'], { IMPORT_MAX_BYTES: '4096' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/over IMPORT_MAX_BYTES \(4096 bytes\) at .*\.yml; nothing written/);
    expect((await fetchRulePacks(db.executor)).map((p) => p.name)).toEqual(['sigma']);
  });

  it('removing a pack that is not there names what is', async () => {
    const run = await importCli(['--remove', 'sigma:nope']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('sigma:nope is not imported; imported rule packs: sigma');
  });
});

describe('removal', () => {
  it('takes the pack and all its rules in one transaction, and moves the data version', async () => {
    const version = await fetchDataVersion(db.executor);
    const run = await importCli(['--remove', 'sigma:sigma']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('removed rule pack sigma: 349 rules deleted');
    expect(await ruleCount()).toBe(0);
    expect(await fetchRulePacks(db.executor)).toEqual([]);
    expect(await fetchDataVersion(db.executor)).not.toBe(version);
  });
});
