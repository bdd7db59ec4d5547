import neo4j, { type Driver, type ManagedTransaction, type QueryResult } from 'neo4j-driver';

export type Params = Record<string, unknown>;
export type Row = Record<string, unknown>;

/** A named Cypher statement: the name travels as transaction metadata and into metrics. */
export interface Query {
  name: string;
  cypher: string;
}

export interface ReadExecutor {
  /** Runs one named query in a read transaction (routed to followers in a cluster); one round trip. */
  read(query: Query, params?: Params): Promise<Row[]>;
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
  const { database, timeoutMs, onQuery } = options;
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
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

  const read = (query: Query, params: Params = {}) =>
    timed(query.name, async () =>
      rows(
        await driver.executeQuery(query.cypher, params, {
          database,
          routing: neo4j.routing.READ,
          transactionConfig: { metadata: { app: 'attack-graph', query: query.name }, timeout: timeoutMs },
        }),
      ),
    );

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
        read(query, params) {
          roundTrips++;
          return read(query, params);
        },
      };
    },
    close: () => driver.close(),
  };
}
