import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportError, InvalidBundleError, importSource } from '../../import/index.ts';
import { invalidUtf8Offset } from '../../import/read-text.ts';
import { connectTestDb, type TestDb } from '../helpers/db.ts';
import { graphDigest } from '../helpers/graph.ts';
import { MINI_ENTERPRISE } from '../helpers/paths.ts';

/*
 * Graphs strict mode used to accept: cycles, duplicate and malformed ATT&CK IDs, duplicate STIX
 * ids, oversized fields, bad UTF-8. Strict refuses each, naming the object and the field; relaxed
 * lists each and loads the rest without the offending objects.
 */

const id = (type: string, n: string) => `${type}--00000000-0000-4000-8000-${n.padStart(12, '0')}`;
const T1003 = id('attack-pattern', '100');
const T1003_001 = id('attack-pattern', '101');
const T1003_002 = id('attack-pattern', '102');
const T1087 = id('attack-pattern', '200');
const T1901 = id('attack-pattern', '901');
const G0001 = id('intrusion-set', '300');

type Obj = Record<string, unknown> & { id: string };
type Bundle = { type: string; objects: Obj[] };

const rel = (n: string, type: string, from: string, to: string): Obj => ({
  type: 'relationship',
  id: id('relationship', n),
  created: '2025-01-01T00:00:00.000Z',
  modified: '2025-01-01T00:00:00.000Z',
  relationship_type: type,
  source_ref: from,
  target_ref: to,
});

interface Case {
  name: string;
  change: (b: Bundle, find: (id: string) => Obj) => void;
  /** Every object refused, with the field named and what was expected. */
  refused: { stixId: string; path: string; expected: RegExp }[];
}

const cases: Case[] = [
  {
    name: 'a self-revocation',
    change: (b) => b.objects.push(rel('2001', 'revoked-by', T1087, T1087)),
    refused: [
      { stixId: id('relationship', '2001'), path: 'target_ref', expected: /revokes itself \(T1087\)/ },
    ],
  },
  {
    name: 'a revoked-by cycle',
    // The fixture has T1901 -> T1900 -> T1003; this closes the loop.
    change: (b) => b.objects.push(rel('2002', 'revoked-by', T1003, T1901)),
    refused: [
      {
        stixId: id('relationship', '2002'),
        path: 'target_ref',
        expected: /revoked-by cycle \(T1003 -> T1901\)/,
      },
      {
        stixId: id('relationship', '1010'),
        path: 'target_ref',
        expected: /revoked-by cycle \(T1901 -> T1900\)/,
      },
      {
        stixId: id('relationship', '1011'),
        path: 'target_ref',
        expected: /revoked-by cycle \(T1900 -> T1003\)/,
      },
    ],
  },
  {
    name: 'a subtechnique-of cycle',
    change: (b) => b.objects.push(rel('2003', 'subtechnique-of', T1003, T1003_001)),
    refused: [
      { stixId: id('relationship', '2003'), path: 'target_ref', expected: /subtechnique-of cycle/ },
      { stixId: id('relationship', '1001'), path: 'target_ref', expected: /subtechnique-of cycle/ },
    ],
  },
  {
    name: 'two current techniques with one ATT&CK ID',
    change: (b, find) => b.objects.push({ ...structuredClone(find(T1087)), id: id('attack-pattern', '299') }),
    refused: [
      {
        stixId: T1087,
        path: 'external_references[0].external_id',
        expected: /an ATT&CK ID no other current attack-pattern object has \(.*299 has it too\)/,
      },
      {
        stixId: id('attack-pattern', '299'),
        path: 'external_references[0].external_id',
        expected: /no other current attack-pattern/,
      },
    ],
  },
  {
    name: 'an ATT&CK ID that does not match its type',
    change: (_b, find) => {
      const refs = find(T1003_002).external_references as { external_id: string }[];
      if (refs[0]) refs[0].external_id = 'T1003") RETURN 1 //';
    },
    refused: [
      {
        stixId: T1003_002,
        path: 'external_references[0].external_id',
        expected: /form T1003 or T1003\.001 for attack-pattern \(got "T1003\\"\) RETURN 1 \/\/"\)/,
      },
    ],
  },
  {
    name: 'oversized fields',
    change: (_b, find) => {
      find(T1087).description = 'x'.repeat(1024 * 1024 + 1);
      find(G0001).name = 'G'.repeat(1025);
    },
    refused: [
      { stixId: T1087, path: 'description', expected: /at most 1048576 characters \(it has 1048577\)/ },
      { stixId: G0001, path: 'name', expected: /at most 1024 characters \(it has 1025\)/ },
    ],
  },
  {
    name: 'a STIX id used twice',
    change: (b, find) => b.objects.push(structuredClone(find(T1087))),
    refused: [
      { stixId: T1087, path: 'id', expected: /a STIX id used once in the bundle \(also at objects\[\d+\]\)/ },
    ],
  },
];

let db: TestDb;
let dir: string;

beforeAll(async () => {
  db = await connectTestDb();
  await db.reset();
  dir = await mkdtemp(path.join(tmpdir(), 'attack-graph-strict-'));
});
afterAll(() => db.close());

async function bundleFile(c: Case): Promise<string> {
  const bundle = JSON.parse(await readFile(MINI_ENTERPRISE, 'utf8')) as Bundle;
  const find = (x: string) => {
    const o = bundle.objects.find((y) => y.id === x);
    if (!o) throw new Error(`no ${x} in the fixture`);
    return o;
  };
  c.change(bundle, find);
  const file = path.join(dir, `${c.name.replace(/\W+/g, '-')}.json`);
  await writeFile(file, JSON.stringify(bundle));
  return file;
}

const count = async (cypher: string, stixId: string) =>
  Number((await db.executor.read({ name: 'test.count', cypher }, { id: stixId }))[0]?.n);

describe('strict mode refuses, relaxed mode skips', () => {
  for (const c of cases) {
    it(`${c.name}: strict names the object and the field, and writes nothing`, async () => {
      await db.reset();
      const before = await graphDigest(db.executor);
      const error = await importSource(db.executor, await bundleFile(c)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidBundleError);
      const { problems } = (error as InvalidBundleError).report;
      for (const r of c.refused)
        expect(problems).toContainEqual(
          expect.objectContaining({
            stixId: r.stixId,
            path: r.path,
            expected: expect.stringMatching(r.expected),
          }),
        );
      expect(await graphDigest(db.executor)).toEqual(before);
    });

    it(`${c.name}: relaxed lists it and loads the rest without it`, async () => {
      await db.reset();
      const report = await importSource(db.executor, await bundleFile(c), { relaxed: true });
      expect(report.loaded + report.ignored + report.unknown + report.rejected).toBe(report.input);
      for (const r of c.refused) {
        expect(report.problems.map((p) => p.stixId)).toContain(r.stixId);
        const left = r.stixId.startsWith('relationship--')
          ? await count('MATCH ()-[r {key: $id}]->() RETURN count(r) AS n', r.stixId)
          : await count('MATCH (n:AttackObject {stixId: $id}) RETURN count(n) AS n', r.stixId);
        expect(left).toBe(0);
      }
      expect(
        await count('MATCH (n:Tactic {stixId: $id}) RETURN count(n) AS n', id('x-mitre-tactic', '11')),
      ).toBe(1);
    });
  }

  it('still accepts a deprecated mitigation that reuses a technique ID (as real bundles do)', async () => {
    await db.reset();
    const report = await importSource(db.executor, MINI_ENTERPRISE);
    expect(report.problems).toEqual([]);
    expect(await count('MATCH (n:Mitigation {attackId: $id}) RETURN count(n) AS n', 'T1003')).toBe(1);
  });
});

describe('invalid UTF-8', () => {
  it('is refused with the byte and its offset, not silently replaced', async () => {
    const bytes = await readFile(MINI_ENTERPRISE);
    const at = bytes.indexOf('OS Credential Dumping');
    bytes[at + 3] = 0xff;
    const file = path.join(dir, 'bad-utf8.json');
    await writeFile(file, bytes);
    const error = await importSource(db.executor, file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as Error).message).toBe(`${file} is not valid UTF-8: byte 0xff at offset ${at + 3}`);
  });

  it('finds the first bad byte of each kind of malformed sequence', () => {
    const at = (...b: number[]) => invalidUtf8Offset(Uint8Array.from([0x61, ...b, 0x61]));
    expect(at(0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80)).toBe(-1); // é € 😀
    expect(at(0xc0, 0x80)).toBe(1); // overlong
    expect(at(0xed, 0xa0, 0x80)).toBe(1); // a UTF-16 surrogate
    expect(at(0xf4, 0x90, 0x80, 0x80)).toBe(1); // beyond U+10FFFF
    expect(at(0x80)).toBe(1); // a lone continuation byte
    expect(invalidUtf8Offset(Uint8Array.from([0x61, 0xe2, 0x82]))).toBe(1); // cut short
  });
});
