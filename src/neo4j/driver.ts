import { createRequire } from 'node:module';
import neo4j, { type Driver } from 'neo4j-driver';
import type { Config } from '../env.ts';

/**
 * How much of a Bolt message the driver gathers before it writes to the socket. neo4j-driver's
 * chunker takes a buffer size, but the driver never passes one, so it writes every 1,400 bytes:
 * a one-hop lookup's statement (5.7 KB) went out in five socket writes, each a system call and,
 * over loopback, a wake-up of Neo4j's reader. With 16 KB a read's statement goes out in one
 * (docs/performance-log.md, "One socket write per statement"). Larger messages (an import's batches) go
 * out 16 KB at a time; a Bolt chunk holds at most 65,535 bytes, so the buffer must stay below that.
 */
export const BOLT_SEND_BUFFER_BYTES = 16 * 1024;

/**
 * Makes every connection's chunker ask for BOLT_SEND_BUFFER_BYTES. The driver builds its chunker
 * from the export of this module of neo4j-driver-bolt-connection (resolved from neo4j-driver, as the
 * driver resolves it), read when a connection opens; a driver that no longer has it fails here, at
 * start-up, and test/executor.test.ts checks that a statement goes out in one write.
 */
function widenBoltChunks(): void {
  const fromDriver = createRequire(createRequire(import.meta.url).resolve('neo4j-driver'));
  const chunking = fromDriver('neo4j-driver-bolt-connection/lib/channel/chunking.js') as {
    Chunker: new (channel: unknown, bufferSize?: number) => object;
  };
  const { Chunker } = chunking;
  if (typeof Chunker !== 'function') throw new Error('neo4j-driver-bolt-connection has no Chunker to widen');
  if (Object.hasOwn(Chunker, 'widened')) return;
  chunking.Chunker = class extends Chunker {
    static readonly widened = true;
    constructor(channel: unknown, bufferSize?: number) {
      super(channel, bufferSize ?? BOLT_SEND_BUFFER_BYTES);
    }
  };
}
widenBoltChunks();

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
