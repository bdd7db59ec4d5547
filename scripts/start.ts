/**
 * `npm start`: brings up what the API needs and serves it. The primary process makes sure Neo4j
 * answers (starting the local server when NEO4J_URI points here), imports ATT&CK into an empty
 * graph (or numbers the nodes of a graph from before ordinals), then either serves (src/main.ts)
 * or, with API_WORKERS > 1, forks workers that run this same file and only serve. It lives outside
 * src/ because it is the one place where the API and the importer meet (docs/architecture.md).
 */
import cluster from 'node:cluster';
import { runPrimary } from '../src/cluster.ts';
import { fetchStatus, hasUnplacedNodes } from '../src/data/status.ts';
import { ensureNeo4j } from '../src/local-neo4j/ensure.ts';
import { createRuntime, type Runtime, serve, startupExecutor } from '../src/main.ts';
import type { Executor } from '../src/neo4j/executor.ts';

/**
 * A first start on an empty graph imports ATT&CK, so `npm start` alone gives a working API. A graph
 * imported before ordinals gets them (import/ordinals.ts): its lists would otherwise come back in
 * no order until the next import.
 */
async function importIfEmpty({ config, log }: Runtime, executor: Executor): Promise<void> {
  const { objectCount } = await fetchStatus(executor);
  if (objectCount > 0) {
    log.info({ objectCount }, 'the graph holds ATT&CK data');
    if (!(await hasUnplacedNodes(executor))) return;
    log.info('the graph is from before ordinals: numbering its nodes in their stable order');
    const { ensureOrdinals } = await import('../import/index.ts');
    await ensureOrdinals(executor);
    return;
  }
  const sources = config.attack.sources;
  log.info({ sources }, 'the graph is empty: importing ATT&CK');
  // Loaded only when there is something to import: a serving process never holds the importer.
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

/** Neo4j answers and holds ATT&CK, or the process exits 1 saying why. */
async function prepare(runtime: Runtime): Promise<void> {
  const { config, log, driver } = runtime;
  const executor = startupExecutor(runtime);
  try {
    await ensureNeo4j(config.neo4j, driver, (line) => log.info(line));
    await importIfEmpty(runtime, executor);
  } catch (error) {
    log.fatal({ err: error }, `could not start: ${error instanceof Error ? error.message : String(error)}`);
    await executor.close();
    process.exit(1);
  }
}

const runtime = createRuntime();
const { workers } = runtime.config.server;
if (cluster.isPrimary) await prepare(runtime);
if (cluster.isPrimary && workers > 1) {
  // The primary only supervises: the workers open their own drivers.
  await runtime.driver.close();
  runPrimary(workers, runtime.log);
} else {
  await serve(runtime);
}
