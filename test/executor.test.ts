import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestDb, type TestDb } from './helpers/db.ts';

let db: TestDb;
beforeAll(async () => {
  db = await connectTestDb();
});
afterAll(() => db.close());

const echo = { name: 'test.echo', cypher: 'UNWIND $values AS value RETURN value' };

describe("a request's reads", () => {
  it('made in the same tick travel as one batch, and each gets its own rows back', async () => {
    const reader = db.executor.batching();
    const results = await Promise.all([1, 2, 3].map((n) => reader.read(echo, { values: [n, n * 10] })));
    expect(results).toEqual([
      [{ value: 1 }, { value: 10 }],
      [{ value: 2 }, { value: 20 }],
      [{ value: 3 }, { value: 30 }],
    ]);
    expect(reader.roundTrips).toBe(1);
  });

  it('made one after another cost one round trip each', async () => {
    const reader = db.executor.batching();
    expect(await reader.read(echo, { values: ['a'] })).toEqual([{ value: 'a' }]);
    expect(await reader.read(echo, { values: [] })).toEqual([]);
    expect(reader.roundTrips).toBe(2);
  });

  it('fail together when one statement of the batch fails', async () => {
    const reader = db.executor.batching();
    const broken = { name: 'test.broken', cypher: 'RETURN 1 / 0 AS x' };
    const settled = await Promise.allSettled([reader.read(echo, { values: [1] }), reader.read(broken)]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(reader.roundTrips).toBe(1);
  });
});

describe('a tracked reader', () => {
  const track = { name: 'test.counter', cypher: 'OPTIONAL MATCH (c:TestCounter) RETURN c.n AS n' };

  it('reads the tracked query around each batch, in the same round trip, and sees it move', async () => {
    await db.driver.executeQuery('MERGE (c:TestCounter) SET c.n = 1');
    const reader = db.executor.batching(track);
    const first = await Promise.all([reader.read(echo, { values: [1] }), reader.read(echo, { values: [2] })]);
    expect(first).toEqual([[{ value: 1 }], [{ value: 2 }]]);
    expect(reader.roundTrips).toBe(1);
    expect(reader.tracked.size).toBe(1);

    await db.driver.executeQuery('MATCH (c:TestCounter) SET c.n = 2');
    expect(await reader.read(echo, { values: [3] })).toEqual([{ value: 3 }]);
    expect(reader.roundTrips).toBe(2);
    expect([...reader.tracked]).toEqual([JSON.stringify([{ n: 1 }]), JSON.stringify([{ n: 2 }])]);
    await db.driver.executeQuery('MATCH (c:TestCounter) DELETE c');
  });
});
