/**
 * Serving the API: one process's configuration, logger, driver and metrics, and the HTTP server
 * that listens and shuts down cleanly. Everything it serves is built in yoga.ts. What `npm start`
 * does before serving (the local Neo4j, the first import, the workers) is scripts/start.ts's:
 * nothing in src/ reaches the importer (docs/architecture.md).
 */
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import type { Driver } from 'neo4j-driver';
import { WorkerRegistry } from './cluster.ts';
import { type Config, ConfigError, loadConfig } from './env.ts';
import { createMetrics, type Metrics } from './http/metrics.ts';
import { createHttpServer } from './http/server.ts';
import { createLogger, type Logger } from './logger.ts';
import { createDriver } from './neo4j/driver.ts';
import { createExecutor, type Executor } from './neo4j/executor.ts';
import { createApp } from './yoga.ts';

/** In-flight requests get this long after SIGTERM/SIGINT before their connections are cut. */
const DRAIN_TIMEOUT_MS = 10_000;

/** What one API process (the primary or a worker) runs on. */
export interface Runtime {
  config: Config;
  log: Logger;
  /** One driver per process, shared by its executors; closing any executor closes it. */
  driver: Driver;
  metrics: Metrics;
}

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error('Invalid configuration (see .env.example):');
    for (const problem of error.problems) console.error(`  - ${problem}`);
    process.exit(1);
  }
}

/** Reads the configuration (an invalid one exits with every problem listed) and opens the driver. */
export function createRuntime(): Runtime {
  const config = readConfig();
  return {
    config,
    log: createLogger(config.log.level),
    driver: createDriver(config.neo4j),
    metrics: createMetrics({
      poolMax: config.neo4j.maxPoolSize,
      registry: cluster.isWorker ? new WorkerRegistry() : undefined,
    }),
  };
}

/** An executor for the work before serving (the first import): no request deadline applies. */
export function startupExecutor({ config, driver, metrics }: Runtime): Executor {
  return createExecutor(driver, {
    database: config.neo4j.database,
    onQuery: metrics.onQuery,
    onQueryStart: metrics.onQueryStart,
  });
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeOnSignals(server: Server, executor: Executor, log: Logger): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) {
      log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    closing = true;
    log.info({ signal }, 'shutting down: no new connections, waiting for in-flight requests');
    const force = setTimeout(() => {
      log.warn(`requests still running after ${DRAIN_TIMEOUT_MS} ms: closing their connections`);
      server.closeAllConnections();
    }, DRAIN_TIMEOUT_MS);
    force.unref();
    server.close(async () => {
      clearTimeout(force);
      await executor.close();
      log.info('stopped');
      process.exit(0);
    });
    // Keep-alive connections with no request in flight would otherwise hold close() open.
    server.closeIdleConnections();
  };
  // A second signal while draining (an impatient Ctrl-C) exits at once.
  process.on('SIGTERM', shutdown);
  // A worker's Ctrl-C goes to the primary too, which stops the workers with SIGTERM.
  process.on('SIGINT', cluster.isWorker ? () => {} : shutdown);
}

/**
 * Listens on HOST:PORT until SIGTERM or SIGINT, then drains the in-flight requests, closes the
 * driver and exits. Exits 1 when it cannot listen.
 */
export async function serve({ config, log, driver, metrics }: Runtime): Promise<void> {
  // Reads get the request time limit as their transaction timeout.
  const reads = createExecutor(driver, {
    database: config.neo4j.database,
    timeoutMs: config.http.requestTimeoutMs,
    onQuery: metrics.onQuery,
    onQueryStart: metrics.onQueryStart,
    circuitOpenMs: config.neo4j.circuitOpenMs,
    onCircuitChange: (open) => {
      metrics.circuit(open);
      if (open) log.warn('Neo4j cannot be reached: reads fail at once until a ping answers');
      else log.info('Neo4j answers again: reads resume');
    },
  });
  const yoga = createApp({ config, executor: reads, logger: log, metrics });
  const server = createHttpServer(yoga, { requestTimeoutMs: config.http.requestBodyTimeoutMs });
  const { host, port } = config.server;
  try {
    await listen(server, host, port);
  } catch (error) {
    log.fatal({ err: error }, `cannot listen on ${host}:${port} (set HOST and PORT)`);
    await reads.close();
    process.exit(1);
  }
  closeOnSignals(server, reads, log);
  log.info(
    {
      appEnv: config.app.env,
      graphiql: config.http.graphiql,
      introspection: config.http.introspection,
      apiKeys: config.auth.keyDigests.length,
      rateLimitPerMinute: config.rateLimit.perMinute,
      responseCacheTtlMs: config.cache.ttlMs,
      requestTimeoutMs: config.http.requestTimeoutMs,
      workers: config.server.workers,
    },
    'profile',
  );
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const what = config.http.graphiql ? 'GraphQL API (GraphiQL)' : 'GraphQL API';
  log.info({ host, port }, `${what} at http://${shown}:${port}${yoga.graphqlEndpoint}`);
}
