/**
 * The analyst queries keep each import's derived sets in memory: read once per data version, and
 * a request that sees a new import uses that import's sets at once (not after the poll interval).
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSource } from '../../import/index.ts';
import { createExecutor } from '../../src/neo4j/executor.ts';
import { MINI_ENTERPRISE } from '../helpers/paths.ts';
import { connectMiniDb, type Served, serve, type TestDb } from '../helpers/server.ts';

let db: TestDb;
let served: Served;
/** The name of every query the app ran, in order. */
const ran: string[] = [];

beforeAll(async () => {
  db = await connectMiniDb();
  const executor = createExecutor(db.driver, {
    database: db.config.neo4j.database,
    onQuery: (name) => void ran.push(name),
  });
  // No response cache, and a data-version poll too slow to notice the import below by itself.
  served = serve(db, { RESPONSE_CACHE_TTL_MS: '0', DATA_VERSION_CHECK_MS: '3600000' }, executor);
}, 120_000);
afterAll(() => db?.close());

interface Answer {
  data?: Record<string, unknown>;
  errors?: unknown[];
  extensions?: { dbRoundTrips?: number };
}
async function ask(query: string): Promise<Answer> {
  const answer = (await (await served.post({ query })).json()) as Answer;
  expect(answer.errors).toBeUndefined();
  return answer;
}
const setsRead = () => ran.filter((n) => n === 'analytics.actorTechniques').length;

const PREVALENCE = '{ techniquePrevalence { actorCount techniques { technique { attackId } count } } }';
const ANALYST = [
  PREVALENCE,
  '{ similarGroups(group: "G0001") { count similar { group { attackId } score } } }',
  '{ cooccurrence(technique: "T1003.001") { population techniques { technique { attackId } count } } }',
  '{ coverageGaps(detected: ["T1003.001"]) { total covered tactics { uncovered { technique { attackId } groupCount } } } }',
  '{ mitigationPlan(groups: ["G0001"]) { targetCount steps { mitigation { attackId } addedCount } } }',
  '{ overlap(objects: ["G0001", "S0001"]) { sharedCount unionCount } }',
];

/** Mini enterprise plus a second group that uses what the first group uses. */
async function withSecondGroup(): Promise<{ file: string; uses: string }> {
  const bundle = JSON.parse(await readFile(MINI_ENTERPRISE, 'utf8')) as {
    objects: Record<string, unknown>[];
  };
  const group = structuredClone(bundle.objects.find((o) => o.type === 'intrusion-set')) as Record<
    string,
    unknown
  >;
  const original = group.id as string;
  group.id = 'intrusion-set--00000000-0000-4000-8000-000000009999';
  group.name = 'Second Panda';
  group.aliases = ['Second Panda'];
  group.external_references = (group.external_references as Record<string, unknown>[]).map((r) =>
    r.source_name === 'mitre-attack' ? { ...r, external_id: 'G0098' } : r,
  );
  const uses = bundle.objects.find(
    (o) =>
      o.type === 'relationship' &&
      o.relationship_type === 'uses' &&
      o.source_ref === original &&
      String(o.target_ref).startsWith('attack-pattern--'),
  ) as Record<string, unknown>;
  bundle.objects.push(group, {
    ...uses,
    id: 'relationship--00000000-0000-4000-8000-000000009999',
    source_ref: group.id,
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'attack-graph-per-import-'));
  const file = path.join(dir, 'mini-enterprise-second-group.json');
  await writeFile(file, JSON.stringify(bundle));
  return { file, uses: uses.target_ref as string };
}

describe('per-import analyst sets', () => {
  it('reads every actor technique set once per import, not once per request, with the same answers', async () => {
    const first: Answer[] = [];
    for (const q of ANALYST) first.push(await ask(q));
    const reads = setsRead();
    expect(reads).toBeGreaterThan(0);
    for (const [i, q] of ANALYST.entries()) {
      const again = await ask(q);
      expect(again.data).toEqual(first[i]?.data);
      // Served from memory: no more round trips than the first time, and the sets not read again.
      expect(again.extensions?.dbRoundTrips ?? 0).toBeLessThanOrEqual(
        first[i]?.extensions?.dbRoundTrips ?? 0,
      );
    }
    expect(setsRead()).toBe(reads);
  });

  it('answers a repeated analyst request with one round trip: the data version, nothing else', async () => {
    for (const q of ANALYST) await ask(q);
    for (const q of ANALYST) {
      const from = ran.length;
      const again = await ask(q);
      // Input keys resolve and result objects show from the import's objects held in memory.
      expect({ q, roundTrips: again.extensions?.dbRoundTrips }).toEqual({ q, roundTrips: 1 });
      expect({ q, ran: ran.slice(from) }).toEqual({ q, ran: ['http.dataVersion'] });
    }
  });

  it('a request after an import uses the new import at once, even before the data-version poll', async () => {
    type Prevalence = {
      techniquePrevalence: {
        actorCount: number;
        techniques: { technique: { attackId: string }; count: number }[];
      };
    };
    const before = (await ask(PREVALENCE)).data as Prevalence;
    const { file, uses } = await withSecondGroup();
    await importSource(db.executor, file);
    const reads = setsRead();
    const after = (await ask(PREVALENCE)).data as Prevalence;
    expect(setsRead()).toBe(reads + 1);
    expect(after.techniquePrevalence.actorCount).toBe(before.techniquePrevalence.actorCount + 1);
    const [{ attackId }] = (await db.executor.read(
      { name: 'test.attackId', cypher: 'MATCH (n {stixId: $id}) RETURN n.attackId AS attackId' },
      { id: uses },
    )) as [{ attackId: string }];
    const count = (p: Prevalence) =>
      p.techniquePrevalence.techniques.find((t) => t.technique.attackId === attackId)?.count ?? 0;
    expect(count(after)).toBe(count(before) + 1);
    const similar = (await ask('{ similarGroups(group: "G0098") { similar { group { attackId } score } } }'))
      .data as { similarGroups: { similar: { group: { attackId: string } }[] } };
    expect(similar.similarGroups.similar.map((s) => s.group.attackId)).toContain('G0001');
  });
});
