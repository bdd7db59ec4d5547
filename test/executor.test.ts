import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BOLT_SEND_BUFFER_BYTES } from '../src/neo4j/driver.ts';
import { batchingReader, type Executor, WRITE_FENCE } from '../src/neo4j/executor.ts';
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
  const track = { name: 'test.counter', cypher: 'OPTIONAL MATCH (c:TestCounter) RETURN c.n AS version' };

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
    expect([...reader.tracked]).toEqual(['1', '2']);
    expect(reader.consistent).toBe(false);
    await db.driver.executeQuery('MATCH (c:TestCounter) DELETE c');
  });
});

describe('a tracked reader, placing the version reads', () => {
  const track = { name: 'test.counter', cypher: 'OPTIONAL MATCH (c:TestCounter) RETURN c.n AS version' };
  const setCounter = (n: number) => db.driver.executeQuery('MERGE (c:TestCounter) SET c.n = $n', { n });
  afterAll(() => db.driver.executeQuery('MATCH (c:TestCounter) DELETE c'));

  /** The executor's calls, in order: which method, and the statements it was given. */
  function recording() {
    const calls: string[] = [];
    const real = db.executor;
    const executor: Executor = {
      ...real,
      read: async (query, params, options) => {
        calls.push(`read ${query.name}`);
        const rows = await real.read(query, params, options);
        calls.push(`done ${query.name}`);
        return rows;
      },
      readBatch: async (reads, options) => {
        const names = reads.map((r) => r.query.name).join(',');
        calls.push(`batch ${names}`);
        const out = await real.readBatch(reads, options);
        calls.push(`done ${names}`);
        return out;
      },
    };
    return { calls, reader: batchingReader(executor, track) };
  }

  it('reads a lone first statement with the version inside it: one auto-commit read, rows without the version', async () => {
    await setCounter(1);
    const { calls, reader } = recording();
    expect(await reader.read(echo, { values: [1, 2] })).toEqual([{ value: 1 }, { value: 2 }]);
    expect(calls).toEqual(['read test.echo', 'done test.echo']);
    expect([...reader.tracked]).toEqual(['1']);
    expect(reader.consistent).toBe(true);
  });

  it('sends a lone first read of the version itself as it is, not wrapped in two more', async () => {
    await setCounter(1);
    const sent: string[] = [];
    const executor: Executor = {
      ...db.executor,
      read: (query, params, options) => {
        sent.push(query.cypher);
        return db.executor.read(query, params, options);
      },
    };
    const reader = batchingReader(executor, track);
    expect(await reader.read(track)).toEqual([{ version: 1 }]);
    expect(sent).toEqual([track.cypher]);
    expect([...reader.tracked]).toEqual(['1']);
    expect(reader.consistent).toBe(true);
  });

  it('reads the version again after a lone first statement, inside it: a change while it ran shows', async () => {
    // A version that differs at each read stands for a commit landing while the statement ran.
    const moving = { name: 'test.moving', cypher: 'RETURN randomUUID() AS version' };
    const reader = batchingReader(db.executor, moving);
    expect(await reader.read(echo, { values: [1] })).toEqual([{ value: 1 }]);
    expect(reader.roundTrips).toBe(1);
    expect(reader.tracked.size).toBe(2);
    expect(reader.consistent).toBe(false);

    // And it reads it after the statement's work, not before: a clock read by the version and by
    // a query that takes a while (counting two million rows).
    const clock = { name: 'test.clock', cypher: 'RETURN datetime.realtime().epochMillis AS version' };
    const slow = {
      name: 'test.slow',
      cypher:
        'UNWIND range(1, 2000000) AS i WITH count(i) AS n RETURN n, datetime.realtime().epochMillis AS at',
    };
    const timed = batchingReader(db.executor, clock);
    const [row] = await timed.read(slow);
    const [before, after] = [...timed.tracked].map(Number);
    expect(row?.n).toBe(2_000_000);
    expect(before).toBeLessThan(row?.at as number);
    expect(after).toBeGreaterThanOrEqual(row?.at as number);
  });

  it('reads the version only after the statements of a later batch, and sees an import between levels', async () => {
    await setCounter(1);
    const { calls, reader } = recording();
    await reader.read(echo, { values: [1] });
    await setCounter(2);
    await Promise.all([reader.read(echo, { values: [2] }), reader.read(echo, { values: [3] })]);
    expect(calls.slice(2)).toEqual([
      'batch test.echo,test.echo,test.counter',
      'done test.echo,test.echo,test.counter',
    ]);
    expect([...reader.tracked]).toEqual(['1', '2']);
    expect(reader.consistent).toBe(false);
  });

  it('reads the version around a first batch of several statements', async () => {
    await setCounter(1);
    const { calls, reader } = recording();
    await Promise.all([reader.read(echo, { values: [1] }), reader.read(echo, { values: [2] })]);
    expect(calls[0]).toBe('batch test.counter,test.echo,test.echo,test.counter');
    expect(reader.consistent).toBe(true);
  });

  it('cannot place a first statement that returned no rows once another batch follows: not consistent', async () => {
    await setCounter(1);
    const { calls, reader } = recording();
    expect(await reader.read(echo, { values: [] })).toEqual([]);
    await reader.read(echo, { values: [1] });
    expect(calls[2]).toBe('batch test.counter,test.echo,test.counter');
    expect([...reader.tracked]).toEqual(['1']);
    expect(reader.consistent).toBe(false);
    // The re-run's reader reads the version around every batch instead.
    const rerun = batchingReader(db.executor, track, { firstAlone: false });
    expect(await rerun.read(echo, { values: [] })).toEqual([]);
    await rerun.read(echo, { values: [1] });
    expect(rerun.consistent).toBe(true);
  });

  it('sends a batch flushed while another is in flight only once that one has answered', async () => {
    await setCounter(1);
    const { calls, reader } = recording();
    const slow = {
      name: 'test.slow',
      cypher: 'UNWIND range(1, 200000) AS x WITH sum(x) AS s RETURN s AS value',
    };
    const first = reader.read(slow);
    // Queued in a later tick, while the first batch is in flight.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const second = reader.read(echo, { values: [1] });
    await Promise.all([first, second]);
    expect(calls).toEqual([
      'read test.slow',
      'done test.slow',
      'batch test.echo,test.counter',
      'done test.echo,test.counter',
    ]);
    expect(reader.roundTrips).toBe(2);
  });
});

describe('the driver', () => {
  it('asks Neo4j for no notifications: a statement that draws warnings comes back without them', async () => {
    // An unknown label and property draw warnings by default, sent with every answer.
    const cypher = 'MATCH (n:NoSuchLabel) WHERE n.noSuchProperty = 1 RETURN n';
    const { database } = db.config.neo4j;
    const filtered = await db.driver.executeQuery(cypher, {}, { database });
    expect(filtered.records).toEqual([]);
    expect(filtered.summary.notifications).toEqual([]);
    // The same statement in a session that asks for warnings: they are there to be dropped.
    const session = db.driver.session({ database, notificationFilter: { minimumSeverityLevel: 'WARNING' } });
    try {
      const warned = await session.run(cypher);
      expect(warned.summary.notifications.map((n) => n.code)).toContain(
        'Neo.ClientNotification.Statement.UnknownLabelWarning',
      );
    } finally {
      await session.close();
    }
  });

  it("sends a statement of a few KB in one socket write, not in the driver's 1,400-byte pieces", async () => {
    const echoed = 'x'.repeat(BOLT_SEND_BUFFER_BYTES / 2);
    await db.executor.read(echo, { values: [] }); // the pool's connection is open before the count
    const write = vi.spyOn(Socket.prototype, 'write');
    let writes: number[];
    try {
      expect(await db.executor.read(echo, { values: [echoed] })).toEqual([{ value: echoed }]);
      writes = write.mock.calls.map(([chunk]) => (chunk as Uint8Array | string).length);
    } finally {
      write.mockRestore();
    }
    // One write carries the whole message (the statement's text and the 8 KB parameter).
    expect(writes.filter((n) => n > echoed.length)).toHaveLength(1);
  });
});

describe('a write', () => {
  it('raises a fence that covers its commit: no reader takes half a commit for one state', async () => {
    // Neo4j can show a read-committed reader part of a commit while it is applied (see
    // WRITE_FENCE). Writes alternately add and delete HALF nodes, each with a run node; readers
    // read the runs around a count of the nodes. A count that disagrees with the runs read on
    // both sides is half a commit: it must always come with a fence seen on one side.
    const HALF = 200;
    const version = {
      name: 'test.halfVersion',
      cypher: `MATCH (r:TestRun) WITH collect(r.n) AS runs RETURN size(runs) AS runs, ${WRITE_FENCE.up} AS fenced`,
    };
    const count = {
      name: 'test.halfCount',
      cypher: "MATCH (x:TestHalf) WHERE x.s = 'x' RETURN count(x) AS n",
    };
    const clear = () => db.driver.executeQuery('MATCH (n) WHERE n:TestHalf OR n:TestRun DETACH DELETE n');
    await clear();
    let writing = true;
    let writes = 0;
    const writer = (async () => {
      for (const until = Date.now() + 3_000; Date.now() < until; writes++)
        await db.executor.write('test.half', async (tx) => {
          if (writes % 2 === 0)
            await tx.run(
              { name: 'test.addHalf', cypher: "UNWIND range(1, $n) AS i CREATE (:TestHalf {s: 'x'})" },
              { n: HALF },
            );
          else await tx.run({ name: 'test.dropHalf', cypher: 'MATCH (x:TestHalf) DELETE x' });
          await tx.run({ name: 'test.run', cypher: 'CREATE (:TestRun {n: 1})' });
        });
      writing = false;
    })();
    let reads = 0;
    const halves: unknown[] = [];
    const reader = async () => {
      for (; writing; reads++) {
        const [before, n, after] = (
          await db.executor.readBatch([{ query: version }, { query: count }, { query: version }])
        ).map(([row]) => row);
        const fenced = before?.fenced || after?.fenced;
        if (before?.runs === after?.runs && n?.n !== ((before?.runs as number) % 2) * HALF && !fenced)
          halves.push({ before, n, after });
      }
    };
    await Promise.all([writer, ...Array.from({ length: 4 }, reader)]);
    await clear();
    expect(writes).toBeGreaterThan(10);
    expect(reads).toBeGreaterThan(100);
    expect(halves).toEqual([]);
    expect(
      await db.driver
        .executeQuery('MATCH (f:WriteFence) RETURN count(f) AS open')
        .then((r) => r.records[0]?.get('open')),
    ).toEqual(0);
  });
});
