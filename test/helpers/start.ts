import { type Api, startApi as startProcess } from '../../bench/api.ts';
import { testConfig } from './db.ts';

/**
 * `npm start`'s entry point (scripts/start.ts, run without npm so that signals reach it) over the
 * test database, on a free loopback port, with `env` on top; resolves once /ready answers 200.
 */
export const startApi = (env: Record<string, string> = {}): Promise<Api> =>
  // Generous: a start under a loaded machine (workers, or an import) can be slow.
  startProcess(testConfig().neo4j, env, { readyWithinMs: 120_000 });

export type { Api };
