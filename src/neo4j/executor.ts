import { randomUUID } from 'node:crypto';
import neo4j, { type Driver, type ManagedTransaction, Neo4jError, type QueryResult } from 'neo4j-driver';
import { createCircuit } from './circuit.ts';
import { mapError, QueryTimeoutError } from './errors.ts';

export { DatabaseUnavailableError, QueryTimeoutError } from './errors.ts';

export type Params = Record<string, unknown>;
export type Row = Record<string, unknown>;

/** A named Cypher statement: the name travels as transaction metadata and into metrics. */
export interface Query {
  name: string;
  cypher: string;
}

export interface ReadOptions {
  /** This query's time limit, when shorter than the executor's own (a request's remaining time). */
  timeoutMs?: number;
}

export interface ReadExecutor {
  /** Runs one named query as an auto-commit read (routed to followers in a cluster); one round trip. */
  read(query: Query, params?: Params, options?: ReadOptions): Promise<Row[]>;
}

/** One named query and its parameters, as a batch of reads carries them. */
export interface Read {
  query: Query;
  params?: Params;
}

export interface Executor extends ReadExecutor {
  /**
   * Runs several named queries in one read transaction, sent together (Bolt pipelines them): one
   * round trip for all of them. The results come back in the order of `reads`.
   */
  readBatch(reads: Read[], options?: ReadOptions): Promise<Row[][]>;
  /** Runs `work` in one write transaction: all of it commits, or none of it does. */
  write<T>(name: string, work: (tx: WriteTx) => Promise<T>): Promise<T>;
  /**
   * A reader for one request that sends the reads it makes in the same tick (sibling fields'
   * DataLoaders dispatch together) as one batch, a round trip per level, and counts them.
   * With `track`, the batches also read it, so that `consistent` can tell whether every read saw
   * one graph state (see `batchingReader`).
   */
  batching(track?: Query, options?: BatchingOptions): BatchingReader;
  close(): Promise<void>;
}

/** A request's batching reader: its round trips, and what `track` read around each of its batches. */
export interface BatchingReader extends ReadExecutor {
  readonly roundTrips: number;
  /** Every answer of the tracked query (as JSON); more than one means the data changed mid-request. */
  readonly tracked: ReadonlySet<string>;
  /** No import committed between the request's reads (always true without `track`). */
  readonly consistent: boolean;
}

export interface WriteTx {
  run(query: Query, params?: Params): Promise<Row[]>;
}

export interface ExecutorOptions {
  database: string;
  /** Per-transaction time limit, enforced by the server. */
  timeoutMs?: number;
  /** Called once per round trip; used by metrics and benchmarks. */
  onQuery?: (name: string, ms: number, ok: boolean) => void;
  /** Called as each round trip starts; with onQuery it tracks the queries in flight (connections in use). */
  onQueryStart?: (name: string) => void;
  /**
   * After a read could not reach Neo4j, reads fail at once (DatabaseUnavailableError) until a
   * ping, tried every this many ms, answers (see circuit.ts). 0 or absent: never.
   */
  circuitOpenMs?: number;
  /** Told when reads start failing fast (`true`) and when Neo4j answers again (`false`). */
  onCircuitChange?: (open: boolean) => void;
}

/**
 * How long a write fence counts as up: far longer than applying a commit takes, so that a fence
 * left by a writer killed mid-commit stops holding readers back (the next write deletes it).
 */
const FENCE_SECONDS = 15;

/**
 * Neo4j applies a commit to its stores in stages (records, counts, then indexes), and a
 * read-committed reader can see part of a commit while it is being applied: two reads of a data
 * version can agree while a statement between them saw half an import. So every write raises a
 * fence, in a transaction of its own committed just before its commit, and lowers it once that
 * commit has landed (or failed). A reader that saw no fence before its statements, and the same
 * version and no fence after them, saw no commit in flight: any commit it could have seen in part
 * began applying after the fence went up, and the fence or the commit's own version shows after.
 */
export const WRITE_FENCE = {
  /** A Cypher predicate: a fence is up, so a write may be committing now. */
  up: `EXISTS { MATCH (f:WriteFence) WHERE f.at > datetime() - duration({seconds: ${FENCE_SECONDS}}) }`,
  raise: {
    name: 'writeFence.raise',
    cypher: `CREATE (f:WriteFence {token: $token, writer: $writer, at: datetime()})
      WITH f CALL (f) { MATCH (old:WriteFence) WHERE old.at < f.at - duration({seconds: ${FENCE_SECONDS}}) DELETE old }`,
  },
  lower: { name: 'writeFence.lower', cypher: 'MATCH (f:WriteFence) WHERE f.token IN $tokens DELETE f' },
} as const satisfies Record<string, Query | string>;

/** The circuit breaker's ping: the cheapest statement that proves the database answers. */
const PING: Query = { name: 'ping', cypher: 'RETURN 1 AS ok' };

/**
 * Turns driver values (nodes, temporals) into plain JSON-able values, in place: the driver builds
 * fresh objects for every record, and most rows (the API's map projections) hold nothing to
 * convert, so this walks them once without copying.
 */
export function toPlain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (v !== null && typeof v === 'object') value[i] = toPlain(v);
    }
    return value;
  }
  // The driver decodes a map as a plain object; only its own types (nodes, temporals) are class
  // instances, so a plain object skips their five checks (some 1,000 maps in a matrix answer).
  if (Object.getPrototypeOf(value) !== Object.prototype) {
    if (neo4j.isNode(value) || neo4j.isRelationship(value)) return toPlain(value.properties);
    if (neo4j.isDateTime(value) || neo4j.isDate(value) || neo4j.isLocalDateTime(value))
      return value.toString();
  }
  const row = value as Row;
  for (const k in row) {
    const v = row[k];
    if (v !== null && typeof v === 'object') row[k] = toPlain(v);
  }
  return row;
}

/**
 * Runs `start` (which starts statements) without the stack trace the driver captures for each
 * statement to point its errors at the caller. Formatting that trace (through source maps, under
 * tsx) was a measurable share of a small request's CPU, and our errors do not use it: they are
 * mapped (errors.ts) and name the query.
 */
function withoutCallerStack<T>(start: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return start();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** A parameter reference in Cypher (`$name`); its name is the first group. */
export const CYPHER_PARAMETER = /\$(\w+)/g;

/** A statement as it is sent: its text without indentation, and the parameters it names. */
interface Prepared {
  cypher: string;
  names: readonly string[];
}
const prepared = new WeakMap<Query, Prepared>();

/**
 * `query` as it goes to Neo4j, worked out once per statement: every byte of its text goes out on
 * every request, and the driver writes a statement in 1,400-byte chunks, one socket write each
 * (indentation is a twentieth of a nested read's text).
 */
function prepare(query: Query): Prepared {
  let out = prepared.get(query);
  if (!out) {
    const cypher = query.cypher.replace(/\n[ \t]+/g, '\n').trim();
    out = {
      cypher,
      names: [...new Set(Array.from(cypher.matchAll(CYPHER_PARAMETER), (m) => m[1] as string))],
    };
    prepared.set(query, out);
  }
  return out;
}

/**
 * `query`'s text as sent, with only the parameters it names. Callers pass whole option sets (every
 * option of every level of a nested read: `rollUp` where no body reads it), and Neo4j would be
 * sent, and the driver would pack, all of them on every request.
 */
export function statementOf(query: Query, params: Params): { cypher: string; params: Params } {
  const { cypher, names } = prepare(query);
  const named: Params = {};
  for (const name of names) if (name in params) named[name] = params[name];
  return { cypher, params: named };
}

function rows(result: Pick<QueryResult, 'records'>): Row[] {
  return result.records.map((r) => toPlain(r.toObject()) as Row);
}

/** The one module that talks to Neo4j: mode, database, metadata and timing live here. */
export function createExecutor(driver: Driver, options: ExecutorOptions): Executor {
  const { database, timeoutMs, onQuery, onQueryStart } = options;
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    onQueryStart?.(name);
    const start = performance.now();
    let ok = false;
    try {
      const out = await work();
      ok = true;
      return out;
    } finally {
      onQuery?.(name, performance.now() - start, ok);
    }
  };
  const circuit = createCircuit({
    openMs: options.circuitOpenMs ?? 0,
    onChange: options.onCircuitChange,
    // Auto-commit, so the driver does not retry it: one attempt per ping.
    ping: () =>
      timed(PING.name, async () => {
        const session = driver.session({ database, defaultAccessMode: neo4j.session.READ });
        try {
          await session.run(
            PING.cypher,
            {},
            { metadata: { app: 'attack-graph', query: PING.name }, timeout: timeoutMs },
          );
        } finally {
          await session.close();
        }
      }),
  });

  /**
   * One statement in an auto-commit transaction: RUN and PULL go out in one write and come back in
   * one answer, where a managed transaction adds BEGIN and COMMIT (two more writes, and a second
   * wait for COMMIT). Auto-commit statements are not retried by the driver, so a retriable failure
   * (a leader switch, a transient error) runs once more as a managed, retried read.
   */
  const autoCommit = async (query: Query, given: Params, timeout: number | undefined) => {
    const { cypher, params } = statementOf(query, given);
    const session = driver.session({ database, defaultAccessMode: neo4j.session.READ });
    try {
      return await withoutCallerStack(() =>
        session.run(cypher, params, { metadata: { app: 'attack-graph', query: query.name }, timeout }),
      );
    } catch (error) {
      if (!(error instanceof Neo4jError && error.retryable)) throw error;
      return driver.executeQuery(cypher, params, {
        database,
        routing: neo4j.routing.READ,
        transactionConfig: { metadata: { app: 'attack-graph', query: query.name }, timeout },
      });
    } finally {
      await session.close();
    }
  };

  const read = async (query: Query, params: Params = {}, readOptions: ReadOptions = {}) => {
    const admission = circuit.admit(query.name);
    const timeout = limitOf(timeoutMs, readOptions.timeoutMs);
    // Only reads map errors: inside a write transaction the driver must see its own, to retry them.
    return timed(query.name, async () => {
      try {
        const result = await autoCommit(query, params, timeout);
        circuit.succeeded(admission);
        return rows(result);
      } catch (error) {
        throw circuit.failed(mapError(error, query.name, timeout), admission);
      }
    });
  };

  const readBatch = async (reads: Read[], readOptions: ReadOptions = {}): Promise<Row[][]> => {
    const timeout = limitOf(timeoutMs, readOptions.timeoutMs);
    const name = reads.map((r) => r.query.name).join('+');
    const admission = circuit.admit(name);
    const session = driver.session({ database, defaultAccessMode: neo4j.session.READ });
    // Metrics see each query by its own name, each with the time of the round trip it shared.
    for (const r of reads) onQueryStart?.(r.query.name);
    const start = performance.now();
    let ok = false;
    try {
      const out = await session.executeRead(
        // Not awaited one by one: the driver sends every statement before the first answer arrives.
        (tx: ManagedTransaction) =>
          Promise.all(
            withoutCallerStack(() =>
              reads.map((r) => {
                const statement = statementOf(r.query, r.params ?? {});
                return tx.run(statement.cypher, statement.params);
              }),
            ).map(async (result) => rows(await result)),
          ),
        { metadata: { app: 'attack-graph', query: name }, timeout },
      );
      ok = true;
      circuit.succeeded(admission);
      return out;
    } catch (error) {
      throw circuit.failed(mapError(error, name, timeout), admission);
    } finally {
      for (const r of reads) onQuery?.(r.query.name, performance.now() - start, ok);
      await session.close();
    }
  };

  /** One statement in an auto-commit write transaction of its own (a write fence). */
  const writeAlone = (query: Query, params: Params) =>
    timed(query.name, async () => {
      const session = driver.session({ database, defaultAccessMode: neo4j.session.WRITE });
      try {
        await session.run(query.cypher, params, {
          metadata: { app: 'attack-graph', transaction: query.name },
        });
      } finally {
        await session.close();
      }
    });

  const write = async <T>(name: string, work: (tx: WriteTx) => Promise<T>): Promise<T> => {
    const session = driver.session({ database, defaultAccessMode: neo4j.session.WRITE });
    // One per attempt: the driver runs `work` again when a commit fails with a transient error.
    const fences: string[] = [];
    try {
      return await session.executeWrite(
        async (tx: ManagedTransaction) => {
          const out = await work({
            run: async (q, p = {}) => timed(q.name, async () => rows(await tx.run(q.cypher, p))),
          });
          // The commit comes next: the fence goes up first (see WRITE_FENCE).
          const token = randomUUID();
          fences.push(token);
          await writeAlone(WRITE_FENCE.raise, { token, writer: name });
          return out;
        },
        { metadata: { app: 'attack-graph', transaction: name } },
      );
    } finally {
      await session.close();
      // A fence that cannot be lowered (Neo4j gone) expires: it must not fail a committed write.
      if (fences.length > 0) await writeAlone(WRITE_FENCE.lower, { tokens: fences }).catch(() => undefined);
    }
  };

  const executor: Executor = {
    read,
    readBatch,
    write,
    batching: (track, batching) => batchingReader(executor, track, batching),
    close: () => {
      circuit.stop();
      return driver.close();
    },
  };
  return executor;
}

/** The server enforces the limit: a slow query is aborted there and never holds a connection. */
function limitOf(...limits: (number | undefined)[]): number | undefined {
  const set = limits.filter((t): t is number => t !== undefined);
  return set.length > 0 ? Math.max(1, Math.ceil(Math.min(...set))) : undefined;
}

interface Pending extends Read {
  options?: ReadOptions;
  resolve: (rows: Row[]) => void;
  reject: (error: unknown) => void;
}

/** The columns a tracked statement's versions come back in, when they ride along a statement. */
const VERSION_COLUMN = '__trackedVersion';
const AFTER_COLUMN = '__trackedAfter';

/**
 * `query` with `track` read first and last, in the same statement (one statement can see part of a
 * commit too: see WRITE_FENCE). `track` runs once; the query, planned as the right-hand side of an
 * Apply since it imports the version, after it; and `track` again, uncorrelated, which Neo4j plans
 * as the right-hand side of a CartesianProduct: once per row of the query, after that row.
 * (Correlated, as an Apply, it cost the headline statement a third more: Neo4j then read the
 * properties it had cached again.) Every row carries the first version in VERSION_COLUMN and the
 * one read after it in AFTER_COLUMN; a query that returns no rows returns no version either.
 */
const riders = new WeakMap<Query, WeakMap<Query, Query>>();
function withTrackFirst(track: Query, query: Query): Query {
  let byQuery = riders.get(track);
  if (!byQuery) {
    byQuery = new WeakMap();
    riders.set(track, byQuery);
  }
  let rider = byQuery.get(query);
  if (!rider) {
    rider = {
      name: query.name,
      cypher: `CALL () { ${track.cypher} } WITH version AS ${VERSION_COLUMN}
CALL (${VERSION_COLUMN}) { ${query.cypher} }
CALL () { CALL () { ${track.cypher} } RETURN version AS ${AFTER_COLUMN} }
RETURN *`,
    };
    byQuery.set(query, rider);
  }
  return rider;
}

export interface BatchingOptions {
  /**
   * Let a first batch of one statement read the tracked version inside that statement, in an
   * auto-commit transaction (one write, no BEGIN or COMMIT). Off, every batch is a transaction
   * that reads the version around its statements; a re-run after an unverifiable read uses that.
   */
  firstAlone?: boolean;
}

/**
 * Collects the reads made in one tick and sends them as one batch when the tick is over.
 * DataLoader dispatches its batches on process.nextTick, so every loader of one level has queued
 * its read by the time setImmediate runs.
 *
 * With `track` (the data version, a query whose one row has a `version` column), the request's
 * reads must all see one graph state. Its batches go out one after another (a batch flushed while
 * another is in flight waits for it: levels already do), so it is enough to read the version before
 * the request's first statement and after each later batch's statements, in the same transaction
 * as them; equal answers mean no import committed in between. So:
 * - a first batch of one statement reads the version in that statement, before and after its
 *   reads (`withTrackFirst`), in an auto-commit transaction: a lookup costs one statement, as raw
 *   Cypher;
 * - any other first batch reads it before and after its statements (sibling statements of one
 *   batch could otherwise straddle an import);
 * - every later batch reads it after its statements (and before them too, when no version was read
 *   yet: a first statement that returned no rows carries none).
 * A first statement that returned no rows and is followed by more batches cannot be placed: the
 * reader then reports itself `unverified`, and the caller runs the operation again with
 * `firstAlone` off.
 */
export function batchingReader(
  executor: Executor,
  track?: Query,
  { firstAlone = true }: BatchingOptions = {},
): BatchingReader {
  let roundTrips = 0;
  let queue: Pending[] = [];
  /** The batch in flight, for the next to wait on (only when tracking). */
  let previous: Promise<void> = Promise.resolve();
  /** A version has been read by a batch that completed: later batches need only read it after. */
  let anchored = false;
  let unplaced = false;
  let unverified = false;
  const tracked = new Set<string>();
  const note = (rows: Row[] | undefined) => {
    const [row] = rows ?? [];
    tracked.add(JSON.stringify(row?.version ?? null));
  };

  const send = async (batch: Pending[]): Promise<Row[][]> => {
    const timeoutMs = limitOf(...batch.map((p) => p.options?.timeoutMs));
    const [only] = batch;
    if (!track) {
      if (batch.length === 1 && only) return [await executor.read(only.query, only.params, only.options)];
      return executor.readBatch(batch, { timeoutMs });
    }
    const first = roundTrips === 1;
    if (first && firstAlone && batch.length === 1 && only) {
      // A first read of the version itself (the analyst requests' only statement) is its own read.
      if (only.query === track) {
        const rows = await executor.read(track, only.params, only.options);
        note(rows);
        anchored = true;
        return [rows];
      }
      const rows = await executor.read(withTrackFirst(track, only.query), only.params, only.options);
      if (rows.length === 0) unplaced = true;
      else {
        tracked.add(JSON.stringify(rows[0]?.[VERSION_COLUMN] ?? null));
        // The last row's comes after every row was read.
        tracked.add(JSON.stringify(rows.at(-1)?.[AFTER_COLUMN] ?? null));
        anchored = true;
      }
      for (const row of rows) {
        delete row[VERSION_COLUMN];
        delete row[AFTER_COLUMN];
      }
      return [rows];
    }
    if (unplaced) unverified = true;
    const before = !anchored;
    const reads: Read[] = [...(before ? [{ query: track }] : []), ...batch, { query: track }];
    const all = await executor.readBatch(reads, { timeoutMs });
    if (before) note(all[0]);
    note(all.at(-1));
    anchored = true;
    return all.slice(before ? 1 : 0, -1);
  };

  const flush = async () => {
    const batch = queue;
    queue = [];
    roundTrips++;
    try {
      const results = await send(batch);
      for (const [i, p] of batch.entries()) p.resolve(results[i] ?? []);
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  };
  return {
    get roundTrips() {
      return roundTrips;
    },
    tracked,
    get consistent() {
      return tracked.size <= 1 && !unverified;
    },
    read(query, params, options) {
      return new Promise((resolve, reject) => {
        if (queue.length === 0) {
          if (track) {
            // One batch at a time: this one goes out once the one in flight has answered.
            const after = previous;
            previous = new Promise<void>((done) =>
              setImmediate(() => {
                void after.then(flush).then(done);
              }),
            );
          } else setImmediate(flush);
        }
        queue.push({ query, params, options, resolve, reject });
      });
    },
  };
}

/**
 * A view of `executor` for one request that must finish by `deadline` (epoch ms): each read gets
 * the time that is left as its transaction timeout, and none starts once it is gone.
 */
export function withDeadline(executor: Executor, deadline: number): Executor {
  /** The caller's options with the time that is left; throws once none is. */
  const bounded = (name: string, readOptions: ReadOptions = {}): ReadOptions => {
    const left = deadline - Date.now();
    if (left <= 0) throw new QueryTimeoutError(name, 0);
    return { ...readOptions, timeoutMs: Math.min(left, readOptions.timeoutMs ?? left) };
  };
  const read: ReadExecutor['read'] = async (query, params, readOptions) =>
    executor.read(query, params, bounded(query.name, readOptions));
  const readBatch: Executor['readBatch'] = async (reads, readOptions) =>
    executor.readBatch(reads, bounded(reads.map((r) => r.query.name).join('+'), readOptions));
  const view: Executor = {
    read,
    readBatch,
    write: (name, work) => executor.write(name, work),
    batching: (track, batching) => batchingReader(view, track, batching),
    close: () => executor.close(),
  };
  return view;
}
