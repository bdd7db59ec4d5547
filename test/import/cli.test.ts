import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOfficial } from '../../import/official.ts';
import { importCli } from '../helpers/cli.ts';
import { connectTestDb, type TestDb } from '../helpers/db.ts';
import { fixturePath, MINI_ENTERPRISE, MINI_ICS } from '../helpers/paths.ts';

let db: TestDb;
let dir: string;

beforeAll(async () => {
  db = await connectTestDb();
  await db.reset();
  dir = await mkdtemp(path.join(tmpdir(), 'attack-graph-cli-'));
});
afterAll(() => db.close());

describe('npm run import', () => {
  it('prints JSON reports for scripts, and exits 0', async () => {
    const { code, stdout } = await importCli(['--json', MINI_ENTERPRISE]);
    expect(code).toBe(0);
    const [report] = JSON.parse(stdout);
    expect(report).toMatchObject({ domain: 'enterprise-attack', changed: true, rejected: 0 });
    expect(report.loaded + report.ignored + report.unknown + report.rejected + report.pending).toBe(
      report.input,
    );
  });

  it('exits 1 on a bad bundle, says why in one line, and writes the report file', async () => {
    const bundle = JSON.parse(await readFile(MINI_ICS, 'utf8'));
    bundle.objects[2].kill_chain_phases = 'inhibit-response-function';
    const bad = path.join(dir, 'bad.json');
    const reportFile = path.join(dir, 'report.json');
    await writeFile(bad, JSON.stringify(bundle));
    const { code, stderr } = await importCli(['--report', reportFile, bad]);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^error: .*3 problem\(s\), nothing imported; first: T0803 attack-pattern--\S+: kill_chain_phases: expected array/m,
    );
    const [report] = JSON.parse(await readFile(reportFile, 'utf8'));
    // The technique, and the two relationships that point at it.
    expect(report.problems).toHaveLength(3);
    expect(report.problems[0]).toMatchObject({
      attackId: 'T0803',
      path: 'kill_chain_phases',
      type: 'attack-pattern',
    });
  });

  it('imports a bundle with a published defect, prints the defect, and exits 0; --strict exits 1', async () => {
    const strict = await importCli(['--strict', fixturePath('cross-enterprise.json')]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/^error: .*relationship--\S+c502: target_ref: .*is missing or invalid/m);
    const { code, stderr } = await importCli([fixturePath('cross-enterprise.json')]);
    expect(code).toBe(0);
    expect(stderr).toContain('1 pending');
    expect(stderr).toContain(
      'defect: relationship--00000000-0000-4000-8000-00000000c502 (uses) intrusion-set--00000000-0000-4000-8000-00000000c300' +
        ' -> malware--00000000-0000-4000-8000-00000000c400: malware--00000000-0000-4000-8000-00000000c400 is in neither' +
        ' the bundle nor the graph: not written until a bundle that holds it is imported',
    );
  });

  it('prints usage and exits 2 without sources', async () => {
    const { code, stdout } = await importCli([]);
    expect(code).toBe(2);
    expect(stdout).toContain('attack:enterprise[@18.1]');
  });
});

describe('MITRE shorthands', () => {
  it('name the published STIX 2.1 bundle of a domain, latest or a release', () => {
    expect(parseOfficial('attack:enterprise')?.url).toBe(
      'https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/enterprise-attack/enterprise-attack.json',
    );
    expect(parseOfficial('attack:mobile@17.1')).toEqual({
      domain: 'mobile-attack',
      url: 'https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/mobile-attack/mobile-attack-17.1.json',
      version: '17.1',
      file: 'mobile-attack-17.1.json',
    });
    expect(parseOfficial('attack:pre')).toBeNull();
  });
});
