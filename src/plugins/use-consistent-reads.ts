import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.ts';
import { isWriting } from '../data/graph-state.ts';
import type { Logger } from '../logger.ts';
import type { BatchingOptions } from '../neo4j/executor.ts';

/** Re-runs after this many imports in a row overlapped the same request are not worth it. */
const MAX_ATTEMPTS = 3;

/**
 * One answer, one graph state. A request's reads are several transactions (one per level), and
 * Neo4j reads are read-committed, so an import committing in between would mix old and new data.
 * Every import records its ImportRun in the same transaction as its data, and the request's reader
 * reads that data version before its first read and after each later batch, in the same round trips
 * (see `batching` in the executor): if the versions differ, or a read could not be placed between
 * them, the operation runs again with fresh loaders. A version read while a write was committing
 * (its commit may have been half applied) counts as different from every other: the operation runs
 * again once that write has landed.
 */
export function useConsistentReads({
  makeDb,
  settle,
  log,
}: {
  /** The per-request database view, as the context builds it (with the request's deadline). */
  makeDb: (batching?: BatchingOptions) => Context['db'];
  /** Resolves when no write is committing (or it gave up waiting: see `settledVersion`). */
  settle: () => Promise<unknown>;
  log: Logger;
}): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn(async (args) => {
        let context = args.contextValue as Context & Record<string, unknown>;
        for (let attempt = 1; ; attempt++) {
          const result = await executeFn({ ...args, contextValue: context });
          const { tracked, consistent } = context.db;
          const writing = [...tracked].some((v) => isWriting(JSON.parse(v)));
          if ((consistent && !writing) || attempt >= MAX_ATTEMPTS) return result;
          log.info({ versions: [...tracked], attempt }, 'data changed during the request: running it again');
          if (writing) await settle();
          // A new context object means new DataLoaders: nothing read before the change is reused.
          // Every batch of the re-run reads the version around its statements, so each read is placed.
          context = { ...context, db: makeDb({ firstAlone: false }) };
        }
      });
    },
  };
}
