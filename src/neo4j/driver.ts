import neo4j, { type Driver } from 'neo4j-driver';
import type { Config } from '../env.ts';

/** The one driver of a process. Integers come back as JS numbers: every integer in the graph is small. */
export function createDriver(config: Config['neo4j']): Driver {
  return neo4j.driver(config.uri, neo4j.auth.basic(config.user, config.password), {
    disableLosslessIntegers: true,
    maxConnectionPoolSize: config.maxPoolSize,
    // Bounded, so that no request waits long for a connection to a database that is gone: the
    // executor's circuit breaker then fails the following ones at once.
    connectionAcquisitionTimeout: config.acquisitionTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    // The driver retries a dead database with backoff (1 s, 2 s, 4 s ...) for this long.
    maxTransactionRetryTime: config.maxRetryMs,
    userAgent: 'attack-graph',
    // Nothing reads notifications, and Neo4j sent every statement's anew with each answer (an
    // unknown label or property, a shadowed variable: eight to eighteen per read, each with its
    // description and GQL status), for the driver to decode on every request.
    notificationFilter: { minimumSeverityLevel: 'OFF' },
  });
}
