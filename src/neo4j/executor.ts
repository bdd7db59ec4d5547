import neo4j, { type Driver, type ManagedTransaction, Neo4jError, type QueryResult } from 'neo4j-driver';

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

/** A query ran out of time (the server aborted its transaction), or its request had none left. */
export class QueryTimeoutError extends Error {
  constructor(
    readonly query: string,
    readonly timeoutMs: number | undefined,
    options?: ErrorOptions,
  ) {
    super(`query ${query} ran out of time (limit ${timeoutMs ?? 'none'} ms)`, options);
    this.name = 'QueryTimeoutError';
  }
}

/** Neo4j could not be reached, or no connection was free in time: a retry later may succeed. */
export class DatabaseUnavailableError extends Error {
  constructor(
    readonly query: string,
    options?: ErrorOptions,
  ) {
    super(`query ${query}: the database is unavailable`, options);
    this.name = 'DatabaseUnavailableError';
  }
}

const TIMEOUT_CODES = new Set([
  'Neo.ClientError.Transaction.TransactionTimedOut',
  'Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration',
]);

/** Maps the driver's failures onto the two an API client can act on; everything else passes as is. */
function mapError(error: unknown, query: string, timeoutMs: number | undefined): unknown {
  if (!(error instanceof Neo4jError)) return error;
  if (TIMEOUT_CODES.has(error.code)) return new QueryTimeoutError(query, timeoutMs, { cause: error });
  if (
    error.code === neo4j.error.SERVICE_UNAVAILABLE ||
    error.code === neo4j.error.SESSION_EXPIRED ||
    /acquisition timed out/i.test(error.message)
  ) {
    return new DatabaseUnavailableError(query, { cause: error });
  }
  return error;
}

export interface Executor extends ReadExecutor {
  /** Runs `work` in one write transaction: all of it commits, or none of it does. */
  write<T>(name: string, work: (tx: WriteTx) => Promise<T>): Promise<T>;
  /** A view of this executor that counts its round trips: one per request in the API. */
  counted(): ReadExecutor & { readonly roundTrips: number };
  close(): Promise<void>;
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
}

/** Turns driver values (nodes, temporals, lists, maps) into plain JSON-able values. */
export function toPlain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(toPlain);
  if (neo4j.isNode(value) || neo4j.isRelationship(value)) return toPlain(value.properties);
  if (neo4j.isDateTime(value) || neo4j.isDate(value) || neo4j.isLocalDateTime(value)) return value.toString();
  const out: Row = {};
  for (const [k, v] of Object.entries(value)) out[k] = toPlain(v);
  return out;
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

  const read = (query: Query, params: Params = {}, readOptions: ReadOptions = {}) => {
    // The server enforces the limit: a slow query is aborted there and never holds a connection.
    const limits = [timeoutMs, readOptions.timeoutMs].filter((t): t is number => t !== undefined);
    const timeout = limits.length > 0 ? Math.max(1, Math.ceil(Math.min(...limits))) : undefined;
    // Only reads map errors: inside a write transaction the driver must see its own, to retry them.
    return timed(query.name, async () => {
      try {
        return rows(
          await driver.executeQuery(query.cypher, params, {
            database,
            routing: neo4j.routing.READ,
            transactionConfig: { metadata: { app: 'attack-graph', query: query.name }, timeout },
          }),
        );
      } catch (error) {
        throw mapError(error, query.name, timeout);
      }
    });
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

  return {
    read,
    write,
    counted() {
      let roundTrips = 0;
      return {
        get roundTrips() {
          return roundTrips;
        },
        read(query, params, readOptions) {
          roundTrips++;
          return read(query, params, readOptions);
        },
      };
    },
    close: () => driver.close(),
  };
}

/**
 * A view of `executor` for one request that must finish by `deadline` (epoch ms): each read gets
 * the time that is left as its transaction timeout, and none starts once it is gone.
 */
export function withDeadline(executor: Executor, deadline: number): Executor {
  const read: ReadExecutor['read'] = (query, params, readOptions = {}) => {
    const left = deadline - Date.now();
    if (left <= 0) return Promise.reject(new QueryTimeoutError(query.name, 0));
    const timeoutMs = Math.min(left, readOptions.timeoutMs ?? left);
    return executor.read(query, params, { ...readOptions, timeoutMs });
  };
  return {
    read,
    write: (name, work) => executor.write(name, work),
    counted() {
      let roundTrips = 0;
      return {
        get roundTrips() {
          return roundTrips;
        },
        read(query, params, readOptions) {
          roundTrips++;
          return read(query, params, readOptions);
        },
      };
    },
    close: () => executor.close(),
  };
}
