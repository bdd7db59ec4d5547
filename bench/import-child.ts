/**
 * One import in a process of its own, so its peak RSS is the importer's alone. Prints one JSON line
 * (an `ImportMeasure`) on stdout. Run by bench/import.ts: `node --import tsx bench/import-child.ts FILE`.
 */
import { importSource } from '../import/index.ts';
import { loadConfig } from '../src/env.ts';
import { createDriver } from '../src/neo4j/driver.ts';
import { createExecutor } from '../src/neo4j/executor.ts';
import type { ImportMeasure } from './import.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: import-child.ts <bundle.json>');
const config = loadConfig().bench.neo4j;
const driver = createDriver(config);
let neo4jMs = 0;
let statements = 0;
const executor = createExecutor(driver, {
  database: config.database,
  onQuery: (_name, ms) => {
    neo4jMs += ms;
    statements++;
  },
});
// The driver connects lazily: open the pool first so the wall time is the import's own.
await driver.verifyConnectivity({ database: config.database });
const started = performance.now();
try {
  const report = await importSource(executor, file);
  const measure: ImportMeasure = {
    wallMs: performance.now() - started,
    neo4jMs,
    statements,
    phaseMs: report.ms,
    input: report.input,
    loaded: report.loaded,
    changed: report.changed,
    summary: report.summary,
    attackVersion: report.attackVersion,
    // Linux reports kilobytes.
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(`${JSON.stringify(measure)}\n`);
} finally {
  await executor.close();
}
