/**
 * Rules are joined to techniques when read: an ATT&CK release imported after the rules gives right
 * answers with no re-linking, every release is read as asked, and the import report says which
 * imported releases know an ID the default one does not.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSource } from '../../import/index.ts';
import { importSigma } from '../../import/sigma/index.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { fixturePath, MINI_ENTERPRISE } from '../helpers/paths.ts';

let app: TestApp;
let dir: string;
const rule = (title: string, tags: string[]) =>
  `title: ${title}\nlogsource:\n  product: windows\ndetection:\n  a:\n    x: 1\n  condition: a\ntags:\n${tags.map((t) => `  - ${t}\n`).join('')}level: high\n`;

beforeAll(async () => {
  app = await createTestApp();
  await app.db.reset();
  dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-rel-'));
  await writeFile(
    path.join(dir, 'r1.yml'),
    rule('One', ['attack.discovery', 'attack.t1087', 'attack.t1685']),
  );
  await writeFile(path.join(dir, 'r2.yml'), rule('Two', ['attack.t1003']));
});
afterAll(() => app.close());

describe('rules across ATT&CK releases', () => {
  it('report IDs unknown in the default release, and the releases that know them', async () => {
    await importSource(app.db.executor, MINI_ENTERPRISE);
    const first = await importSigma(app.db.executor, dir, { maxBytes: 1_000_000, pack: 'mine' });
    expect(first.release).toBe('1.0');
    expect(first.unknownTechniques).toEqual([{ id: 'T1685', releases: [] }]);
    // A newer release imported after the rules: nothing to re-link, and the rules write nothing.
    await importSource(app.db.executor, fixturePath('v19-like-enterprise.json'));
    const again = await importSigma(app.db.executor, dir, { maxBytes: 1_000_000, pack: 'mine' });
    expect(again.changed).toBe(false);
    expect(again.release).toBe('19.0');
    expect(again.unknownTechniques).toEqual([{ id: 'T1087', releases: ['1.0'] }]);
  });

  it('join the rules to whichever release is read', async () => {
    const res = await app.gql<{
      technique: { detectionRules: { key: string }[] };
      old: { detectionRules: { key: string }[] };
      sigmaRule: { now: string[]; before: string[]; techniques: { attackId: string; release: string }[] };
      now: { unknownIds: string[]; covered: number };
      older: { unknownIds: string[]; covered: number };
    }>(`{
      technique(attackId: "T1685") { detectionRules { key } }
      old: technique(attackId: "T1087", release: "1.0") { detectionRules { key } }
      sigmaRule(pack: "mine", key: "r1.yml") {
        now: unknownTechniqueIds before: unknownTechniqueIds(release: "1.0")
        techniques { attackId release }
      }
      now: coverageGaps(rules: {}) { unknownIds covered }
      older: coverageGaps(rules: {}, release: "1.0") { unknownIds covered }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data?.technique.detectionRules).toEqual([{ key: 'r1.yml' }]);
    expect(res.data?.old.detectionRules).toEqual([{ key: 'r1.yml' }]);
    expect(res.data?.sigmaRule).toEqual({
      now: ['T1087'],
      before: ['T1685'],
      techniques: [{ attackId: 'T1685', release: '19.0' }],
    });
    expect(res.data?.now.unknownIds).toEqual(['T1087']);
    expect(res.data?.older.unknownIds).toEqual(['T1685']);
  });
});
