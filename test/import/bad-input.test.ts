import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportError, InvalidBundleError, importSource } from '../../import/index.ts';
import { type Baseline, miniIcsBaseline } from '../helpers/baseline.ts';
import type { TestDb } from '../helpers/db.ts';
import { graphDigest } from '../helpers/graph.ts';
import { MINI_ENTERPRISE } from '../helpers/paths.ts';

const TECHNIQUE = 'attack-pattern--00000000-0000-4000-8000-000000000100';

let db: TestDb;
let dir: string;
let server: Server;
let baseUrl: string;
let before: Baseline['before'];

type Bundle = { type: string; objects: Record<string, unknown>[] };
const fixture = async (): Promise<Bundle> => JSON.parse(await readFile(MINI_ENTERPRISE, 'utf8'));
async function file(name: string, content: string | object): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

beforeAll(async () => {
  ({ db, before, dir } = await miniIcsBaseline('attack-graph-bad-'));
  server = createServer((req, res) => {
    if (req.url === '/bundle.json') res.end(JSON.stringify({ type: 'bundle', objects: [] }));
    else res.writeHead(404, 'Not Found').end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await db.close();
});

describe('a source that is not a usable bundle', () => {
  const cases: [string, () => Promise<string>, RegExp][] = [
    ['a missing file', async () => path.join(dir, 'nope.json'), /cannot read .*nope\.json: no such file/],
    ['an empty file', () => file('empty.json', ''), /is empty: expected a STIX bundle/],
    ['not JSON', () => file('text.json', 'hello'), /is not valid JSON/],
    [
      'truncated JSON',
      async () => file('cut.json', (await readFile(MINI_ENTERPRISE, 'utf8')).slice(0, 5000)),
      /is not valid JSON \(it looks truncated\)/,
    ],
    [
      'JSON that is not a bundle',
      () => file('obj.json', { type: 'report', objects: 3 }),
      /is not a STIX bundle/,
    ],
    ['an empty bundle', () => file('none.json', { type: 'bundle', objects: [] }), /is an empty bundle/],
    ['a URL that answers 404', async () => `${baseUrl}/missing.json`, /HTTP 404 Not Found/],
    ['a URL with an empty bundle', async () => `${baseUrl}/bundle.json`, /is an empty bundle/],
  ];
  for (const [name, source, message] of cases) {
    it(`refuses ${name} in one clear line and changes nothing`, async () => {
      const error = await importSource(db.executor, await source()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImportError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
      expect(await graphDigest(db.executor)).toEqual(before);
    });
  }
});

describe('invalid objects', () => {
  async function badBundle() {
    const bundle = await fixture();
    const technique = bundle.objects.find((o) => o.id === TECHNIQUE);
    if (technique) technique.name = 42;
    bundle.objects.push({
      type: 'relationship',
      id: 'relationship--00000000-0000-4000-8000-00000000beef',
      created: '2025-01-01T00:00:00.000Z',
      modified: '2025-01-01T00:00:00.000Z',
      relationship_type: 'uses',
      source_ref: 'intrusion-set--00000000-0000-4000-8000-000000000300',
      target_ref: 'attack-pattern--00000000-0000-4000-8000-00000000dead',
    });
    bundle.objects.push({
      type: 'x-custom-thing',
      id: 'x-custom-thing--00000000-0000-4000-8000-000000000001',
    });
    return file('bad.json', bundle);
  }

  it('by default: lists every problem with the object, its ATT&CK ID, the field and what was expected; writes nothing', async () => {
    const error = await importSource(db.executor, await badBundle()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidBundleError);
    const { report } = error as InvalidBundleError;
    expect(report.problems).toContainEqual({
      stixId: TECHNIQUE,
      attackId: 'T1003',
      type: 'attack-pattern',
      path: 'name',
      expected: expect.stringMatching(/expected string, received number/),
    });
    // A relationship whose target is in no bundle is a defect MITRE's data has: reported, not a problem.
    expect(report.defects).toContainEqual(
      expect.objectContaining({
        stixId: 'relationship--00000000-0000-4000-8000-00000000beef',
        missing: ['attack-pattern--00000000-0000-4000-8000-00000000dead'],
        written: false,
      }),
    );
    expect(report.unknownTypes).toEqual({ 'x-custom-thing': 1 });
    expect(await graphDigest(db.executor)).toEqual(before);
  });

  it('strict: the dangling reference is a problem too', async () => {
    const error = await importSource(db.executor, await badBundle(), { strict: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidBundleError);
    expect((error as InvalidBundleError).report.problems).toContainEqual(
      expect.objectContaining({
        stixId: 'relationship--00000000-0000-4000-8000-00000000beef',
        path: 'target_ref',
        expected: expect.stringContaining('is missing or invalid'),
      }),
    );
    expect(await graphDigest(db.executor)).toEqual(before);
  });

  it('relaxed: skips what is invalid, lists it, and loads the rest; accepted + rejected = input', async () => {
    const report = await importSource(db.executor, await badBundle(), { relaxed: true });
    expect(report.loaded + report.ignored + report.unknown + report.rejected + report.pending).toBe(
      report.input,
    );
    // The broken technique and the relationships that pointed at it; the dangling one is held.
    const rejected = new Set(report.problems.map((p) => p.stixId));
    expect(rejected.has(TECHNIQUE)).toBe(true);
    expect(rejected.has('relationship--00000000-0000-4000-8000-00000000beef')).toBe(false);
    expect(report.pending).toBe(1);
    const names = await db.executor.read({
      name: 'test',
      cypher:
        "MATCH (t:Technique) WHERE 'enterprise-attack' IN t.domains RETURN t.attackId AS id ORDER BY id",
    });
    expect(names.map((r) => r.id)).not.toContain('T1003');
    expect(names.map((r) => r.id)).toContain('T1003.001');
  });
});
