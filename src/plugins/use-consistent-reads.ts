import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.ts';
import { fetchDataVersion } from '../http/queries.ts';
import type { Logger } from '../logger.ts';
import type { Executor } from '../neo4j/executor.ts';

/** Re-runs after this many imports in a row overlapped the same request are not worth it. */
const MAX_ATTEMPTS = 3;

/**
 * One answer, one graph state. A request's reads are several transactions (one per DataLoader
 * batch), and Neo4j reads are read-committed, so an import committing in between would mix old
 * and new data. Every import records its ImportRun in the same transaction as its data: the data
 * version is read before and after execution, and if it moved the operation runs again with fresh
 * loaders. Costs two small round trips per request (not counted in `dbRoundTrips`).
 */
export function useConsistentReads({
  executor,
  makeDb,
  log,
}: {
  executor: Executor;
  /** The per-request database view, as the context builds it (with the request's deadline). */
  makeDb: () => Context['db'];
  log: Logger;
}): Plugin {
  const version = () => fetchDataVersion(executor).catch(() => undefined);
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn(async (args) => {
        let context = args.contextValue as Context & Record<string, unknown>;
        for (let attempt = 1; ; attempt++) {
          const before = await version();
          const result = await executeFn({ ...args, contextValue: context });
          // A database that does not answer gives no version: nothing to compare, the errors say enough.
          if (before === undefined) return result;
          const after = await version();
          if (after === undefined || after === before || attempt >= MAX_ATTEMPTS) return result;
          log.info({ from: before, to: after, attempt }, 'data changed during the request: running it again');
          // A new context object means new DataLoaders: nothing read before the change is reused.
          context = { ...context, db: makeDb() };
        }
      });
    },
  };
}
