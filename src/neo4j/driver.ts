import neo4j, { type Driver } from 'neo4j-driver';
import type { Config } from '../env.ts';

/** The one driver of a process. Integers come back as JS numbers: every integer in the graph is small. */
export function createDriver(config: Config['neo4j']): Driver {
  return neo4j.driver(config.uri, neo4j.auth.basic(config.user, config.password), {
    disableLosslessIntegers: true,
    maxConnectionPoolSize: config.maxPoolSize,
    connectionAcquisitionTimeout: 10_000,
    connectionTimeout: 5_000,
    // A dead database fails a request within seconds instead of retrying for the default 30 s.
    maxTransactionRetryTime: 5_000,
    userAgent: 'attack-graph',
  });
}
