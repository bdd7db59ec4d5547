import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.ts';
import type { Logger } from '../logger.ts';

/** Re-runs after this many imports in a row overlapped the same request are not worth it. */
const MAX_ATTEMPTS = 3;

/**
 * One answer, one graph state. A request's reads are several transactions (one per level), and
 * Neo4j reads are read-committed, so an import committing in between would mix old and new data.
 * Every import records its ImportRun in the same transaction as its data, and the request's reader
 * reads that data version around each of its batches, in the same round trip (see
 * `createContext`): if the versions differ, the operation runs again with fresh loaders.
 */
export function useConsistentReads({
  makeDb,
  log,
}: {
  /** The per-request database view, as the context builds it (with the request's deadline). */
  makeDb: () => Context['db'];
  log: Logger;
}): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn(async (args) => {
        let context = args.contextValue as Context & Record<string, unknown>;
        for (let attempt = 1; ; attempt++) {
          const result = await executeFn({ ...args, contextValue: context });
          const versions = context.db.tracked;
          if (versions.size <= 1 || attempt >= MAX_ATTEMPTS) return result;
          log.info({ versions: [...versions], attempt }, 'data changed during the request: running it again');
          // A new context object means new DataLoaders: nothing read before the change is reused.
          context = { ...context, db: makeDb() };
        }
      });
    },
  };
}
