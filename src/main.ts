/**
 * `npm start`: brings up what the API needs (the local Neo4j, the ATT&CK data) and serves it.
 * Everything it serves is built in yoga.ts; this file only listens and shuts down cleanly.
 */
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { runPrimary, WorkerRegistry } from './cluster.ts';
import { fetchStatus } from './data/status.ts';
import { type Config, ConfigError, loadConfig } from './env.ts';
import { createMetrics } from './http/metrics.ts';
import { createHttpServer } from './http/server.ts';
import { ensureNeo4j } from './local-neo4j/ensure.ts';
import { createLogger, type Logger } from './logger.ts';
import { createDriver } from './neo4j/driver.ts';
import { createExecutor, type Executor } from './neo4j/executor.ts';
import { createApp } from './yoga.ts';

/** In-flight requests get this long after SIGTERM/SIGINT before their connections are cut. */
const DRAIN_TIMEOUT_MS = 10_000;

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

/** A first start on an empty graph imports ATT&CK, so `npm start` alone gives a working API. */
async function importIfEmpty(config: Config, executor: Executor, log: Logger): Promise<void> {
  const { objectCount } = await fetchStatus(executor);
  if (objectCount > 0) {
    log.info({ objectCount }, 'the graph holds ATT&CK data');
    return;
  }
  const sources = config.attack.sources;
  log.info({ sources }, 'the graph is empty: importing ATT&CK');
  // Loaded only when there is something to import.
  const { importSources } = await import('../import/index.ts');
  const reports = await importSources(executor, sources, {
    limits: config.import,
    official: config.attack,
    onNote: ({ source, note }) => log.info({ source }, note),
    onProgress: ({ source, phase }) => log.debug({ source, phase }, 'import'),
  });
  for (const r of reports) {
    log.info({ source: r.source, domain: r.domain, version: r.attackVersion, loaded: r.loaded }, 'imported');
  }
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

async function main(): Promise<void> {
  const config = readConfig();
  const log = createLogger(config.log.level);
  const { workers } = config.server;
  const driver = createDriver(config.neo4j);
  const metrics = createMetrics({
    poolMax: config.neo4j.maxPoolSize,
    registry: cluster.isWorker ? new WorkerRegistry() : undefined,
  });
  const executor = createExecutor(driver, {
    database: config.neo4j.database,
    // The importer below runs on this executor too; the API's reads also get a per-request deadline.
    onQuery: metrics.onQuery,
    onQueryStart: metrics.onQueryStart,
  });
  // With API_WORKERS > 1 the primary gets Neo4j and the data ready once, then only supervises.
  if (cluster.isPrimary) {
    try {
      await ensureNeo4j(config.neo4j, driver, (line) => log.info(line));
      await importIfEmpty(config, executor, log);
    } catch (error) {
      log.fatal({ err: error }, `could not start: ${error instanceof Error ? error.message : String(error)}`);
      await executor.close();
      process.exit(1);
    }
    if (workers > 1) {
      await executor.close();
      runPrimary(workers, log);
      return;
    }
  }

  // Reads get the request time limit as their transaction timeout (the import above had none).
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
    await executor.close();
    process.exit(1);
  }
  closeOnSignals(server, executor, log);
  log.info(
    {
      appEnv: config.app.env,
      graphiql: config.http.graphiql,
      introspection: config.http.introspection,
      apiKeys: config.auth.keyDigests.length,
      rateLimitPerMinute: config.rateLimit.perMinute,
      responseCacheTtlMs: config.cache.ttlMs,
      requestTimeoutMs: config.http.requestTimeoutMs,
      workers,
    },
    'profile',
  );
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const what = config.http.graphiql ? 'GraphQL API (GraphiQL)' : 'GraphQL API';
  log.info({ host, port }, `${what} at http://${shown}:${port}${yoga.graphqlEndpoint}`);
}

await main();
