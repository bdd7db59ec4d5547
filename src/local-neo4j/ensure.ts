import type { Driver } from 'neo4j-driver';
import type { Config } from '../env.ts';
import { NEO4J_VERSION, startLocalNeo4j } from './index.ts';

/** True when Bolt answers with our credentials; false when nothing listens there. */
export async function neo4jAnswers(driver: Driver, config: Config['neo4j']): Promise<boolean> {
  try {
    await driver.verifyConnectivity({ database: config.database });
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'ServiceUnavailable') return false;
    throw new Error(`Neo4j at ${config.uri} answers but refuses us: ${(error as Error).message}`);
  }
}

/**
 * Makes sure the configured Neo4j answers: uses whatever listens at NEO4J_URI, and starts the local
 * Maven-fetched server only when the URI points at this machine and nothing answers there.
 */
export async function ensureNeo4j(
  config: Config['neo4j'],
  driver: Driver,
  log: (line: string) => void,
): Promise<void> {
  if (await neo4jAnswers(driver, config)) return;
  if (!config.isLocal) throw new Error(`Neo4j does not answer at ${config.uri}`);
  const { home, boltPort, httpPort, heap, pageCache } = config.local;
  log(`no Neo4j at ${config.uri}: starting the local Neo4j ${NEO4J_VERSION} in ${home}`);
  const started = await startLocalNeo4j({
    home,
    boltPort,
    httpPort,
    user: config.user,
    password: config.password,
    heap,
    pageCache,
    log,
  });
  log(`Neo4j is up at ${started.uri} (pid ${started.pid}); it keeps running until npm run db:stop`);
}
