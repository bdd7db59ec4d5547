import neo4j, { Neo4jError } from 'neo4j-driver';

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
    // For the logs only: clients get a masked message. The driver's own says what failed last.
    const cause = options?.cause instanceof Error ? ` (${options.cause.message})` : '';
    super(`query ${query}: the database is unavailable${cause}`, options);
    this.name = 'DatabaseUnavailableError';
  }
}

const TIMEOUT_CODES = new Set([
  'Neo.ClientError.Transaction.TransactionTimedOut',
  'Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration',
]);

/** Maps the driver's failures onto the two an API client can act on; everything else passes as is. */
export function mapError(error: unknown, query: string, timeoutMs: number | undefined): unknown {
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
