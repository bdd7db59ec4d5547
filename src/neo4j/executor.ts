import neo4j, { type Driver, type ManagedTransaction, type QueryResult } from 'neo4j-driver';
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
  /** Runs one named query in a read transaction (routed to followers in a cluster); one round trip. */
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
   * With `track`, each batch also runs `track` first and last, in the same transaction.
   */
  batching(track?: Query): BatchingReader;
  close(): Promise<void>;
}

/** A request's batching reader: its round trips, and what `track` read around each of its batches. */
export interface BatchingReader extends ReadExecutor {
  readonly roundTrips: number;
  /** Every answer of the tracked query (as JSON); more than one means the data changed mid-request. */
  readonly tracked: ReadonlySet<string>;
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
  if (neo4j.isNode(value) || neo4j.isRelationship(value)) return toPlain(value.properties);
  if (neo4j.isDateTime(value) || neo4j.isDate(value) || neo4j.isLocalDateTime(value)) return value.toString();
  const row = value as Row;
  for (const k in row) {
    const v = row[k];
    if (v !== null && typeof v === 'object') row[k] = toPlain(v);
  }
  return row;
}

function rows(result: QueryResult): Row[] {
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

  const read = async (query: Query, params: Params = {}, readOptions: ReadOptions = {}) => {
    const admission = circuit.admit(query.name);
    const timeout = limitOf(timeoutMs, readOptions.timeoutMs);
    // Only reads map errors: inside a write transaction the driver must see its own, to retry them.
    return timed(query.name, async () => {
      try {
        const result = await driver.executeQuery(query.cypher, params, {
          database,
          routing: neo4j.routing.READ,
          transactionConfig: { metadata: { app: 'attack-graph', query: query.name }, timeout },
        });
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
          Promise.all(reads.map(async (r) => rows(await tx.run(r.query.cypher, r.params)))),
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

  const write = async <T>(name: string, work: (tx: WriteTx) => Promise<T>): Promise<T> => {
    const session = driver.session({ database, defaultAccessMode: neo4j.session.WRITE });
    try {
      return await session.executeWrite(
        (tx: ManagedTransaction) =>
          work({ run: async (q, p = {}) => timed(q.name, async () => rows(await tx.run(q.cypher, p))) }),
        { metadata: { app: 'attack-graph', transaction: name } },
      );
    } finally {
      await session.close();
    }
  };

  const executor: Executor = {
    read,
    readBatch,
    write,
    batching: (track) => batchingReader(executor, track),
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

/**
 * Collects the reads made in one tick and sends them as one batch when the tick is over.
 * DataLoader dispatches its batches on process.nextTick, so every loader of one level has queued
 * its read by the time setImmediate runs. `track` (the data version) is read before and after the
 * batch's statements in the same transaction: equal answers mean no import committed in between.
 */
function batchingReader(executor: Executor, track?: Query): BatchingReader {
  let roundTrips = 0;
  let queue: Pending[] = [];
  const tracked = new Set<string>();
  const flush = async () => {
    const batch = queue;
    queue = [];
    roundTrips++;
    const timeoutMs = limitOf(...batch.map((p) => p.options?.timeoutMs));
    try {
      const [only] = batch;
      let results: Row[][];
      if (track) {
        const all = await executor.readBatch([{ query: track }, ...batch, { query: track }], { timeoutMs });
        for (const rows of [all[0], all.at(-1)]) tracked.add(JSON.stringify(rows));
        results = all.slice(1, -1);
      } else if (batch.length === 1 && only) {
        results = [await executor.read(only.query, only.params, only.options)];
      } else {
        results = await executor.readBatch(batch, { timeoutMs });
      }
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
    read(query, params, options) {
      return new Promise((resolve, reject) => {
        if (queue.length === 0) setImmediate(flush);
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
    batching: (track) => batchingReader(view, track),
    close: () => executor.close(),
  };
  return view;
}
