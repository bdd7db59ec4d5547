/**
 * `npx tsx bench/analyst-sets.ts [rounds]`: the analyst classes with the per-import sets kept (as
 * the API runs) and with them re-read on every request (as before they were kept), in one
 * process, interleaved request by request so that both see the same machine load. Runs in-process
 * through `yoga.fetch` (no HTTP) over the benchmark database as the last `npm run bench` left it
 * (BENCH_NEO4J_URI); it reads only. Prints p50 per class and the ratio.
 */

import { createPerImport } from '../src/data/analytics/per-import.ts';
import { loadConfig } from '../src/env.ts';
import { createLogger } from '../src/logger.ts';
import { createDriver } from '../src/neo4j/driver.ts';
import { createExecutor } from '../src/neo4j/executor.ts';
import { createApp } from '../src/yoga.ts';
import { quantile } from './load.ts';
import { ANALYST_CLASSES, CLASSES, type QueryClass } from './queries.ts';

const rounds = Number(process.argv[2] ?? 30);
const base = loadConfig();
const config = { ...base, neo4j: base.bench.neo4j, cache: { ...base.cache, ttlMs: 0 } };
const driver = createDriver(config.neo4j);
const executor = createExecutor(driver, { database: config.neo4j.database, timeoutMs: 60_000 });
const logger = createLogger('silent');
const kept = createApp({ config, executor, logger });
// Keeps nothing: every request loads its sets again, in the same round trips as before.
const reread = createApp({ config, executor, logger, perImport: createPerImport({ maxEntries: 0 }) });

async function time(app: typeof kept, c: QueryClass): Promise<number> {
  const start = performance.now();
  const response = await app.fetch('http://bench/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query: c.graphql, variables: c.variables }),
  });
  const body = (await response.json()) as { errors?: unknown };
  if (body.errors) throw new Error(`${c.name}: ${JSON.stringify(body.errors).slice(0, 500)}`);
  return performance.now() - start;
}

const classes = [...CLASSES.filter((c) => c.name === 'analyst-overlap'), ...ANALYST_CLASSES].filter(
  (c) => !c.needsHistory,
);
console.log(`class | kept p50 ms | re-read p50 ms | re-read / kept (${rounds} rounds each, interleaved)`);
for (const c of classes) {
  await time(kept, c);
  await time(reread, c);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    a.push(await time(kept, c));
    b.push(await time(reread, c));
  }
  const p50 = (xs: number[]) =>
    quantile(
      [...xs].sort((x, y) => x - y),
      0.5,
    );
  console.log(`${c.name} | ${p50(a).toFixed(1)} | ${p50(b).toFixed(1)} | ${(p50(b) / p50(a)).toFixed(2)}×`);
}
await driver.close();
