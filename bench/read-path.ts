/**
 * `npx tsx bench/read-path.ts [rounds] [class,class]`: where a core or analyst class's time goes, in one
 * process, over the benchmark database as the last `npm run bench` left it (BENCH_NEO4J_URI; it
 * reads only). Our app (through `yoga.fetch`, no HTTP), the peer (@neo4j/graphql, the same way) and
 * the raw Cypher twin are asked in turn, request by request, so all three see the same machine
 * load. For ours it also sums the time the executor waited on Neo4j (its round trips): the rest is
 * the API's own work. Prints p50 wall time and mean CPU time of this process per request.
 */
import { Neo4jGraphQL } from '@neo4j/graphql';
import { createYoga } from 'graphql-yoga';
import neo4j from 'neo4j-driver';
import { loadConfig } from '../src/env.ts';
import { createLogger } from '../src/logger.ts';
import { createDriver } from '../src/neo4j/driver.ts';
import { createExecutor, type Executor } from '../src/neo4j/executor.ts';
import { createApp } from '../src/yoga.ts';
import { quantile } from './load.ts';
import { PEER_TYPE_DEFS } from './peer/type-defs.ts';
import { ANALYST_CLASSES, CLASSES, type QueryClass } from './queries.ts';

const rounds = Number(process.argv[2] ?? 200);
const only = process.argv[3]?.split(',');
/** `ours`: ask only our app (for a CPU profile of it alone, `node --cpu-prof --import tsx`). */
const oursOnly = process.argv[4] === 'ours';
const base = loadConfig();
const config = { ...base, neo4j: base.bench.neo4j, cache: { ...base.cache, ttlMs: 0 } };
const driver = createDriver(config.neo4j);
const inner = createExecutor(driver, {
  database: config.neo4j.database,
  timeoutMs: config.http.requestTimeoutMs,
});
/** Milliseconds spent in the executor's round trips (driver work included), summed. */
let inNeo4j = 0;
const waited = async <T>(work: Promise<T>): Promise<T> => {
  const start = performance.now();
  try {
    return await work;
  } finally {
    inNeo4j += performance.now() - start;
  }
};
const executor: Executor = {
  ...inner,
  read: (query, params, options) => waited(inner.read(query, params, options)),
  readBatch: (reads, options) => waited(inner.readBatch(reads, options)),
};
const logger = createLogger('silent');
const ours = createApp({ config, executor, logger });
const peerSchema = await new Neo4jGraphQL({ typeDefs: PEER_TYPE_DEFS, driver }).getSchema();
const peer = createYoga({
  schema: peerSchema,
  logging: false,
  context: () => ({ sessionConfig: { database: config.neo4j.database } }),
});

type Fetch = (request: Request) => Response | Promise<Response>;
async function ask(app: { fetch: Fetch }, query: string, variables: Record<string, unknown>) {
  const response = await app.fetch(
    new Request('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables }),
    }),
  );
  const text = await response.text();
  if (!response.ok || text.includes('"errors"')) throw new Error(text.slice(0, 500));
}

interface Sample {
  wall: number[];
  cpu: number;
  neo4j: number;
}
const sample = (): Sample => ({ wall: [], cpu: 0, neo4j: 0 });
async function timed(s: Sample, work: () => Promise<unknown>) {
  const cpu = process.cpuUsage();
  const db = inNeo4j;
  const start = performance.now();
  await work();
  s.wall.push(performance.now() - start);
  const used = process.cpuUsage(cpu);
  s.cpu += (used.user + used.system) / 1000;
  s.neo4j += inNeo4j - db;
}

const p50 = (xs: number[]) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
const classes = [...CLASSES, ...ANALYST_CLASSES].filter((c) => !only || only.includes(c.name));
console.log(`${rounds} rounds each, interleaved; ms per request (p50 wall, mean CPU of this process)`);
for (const c of classes as QueryClass[]) {
  const s = { ours: sample(), peer: sample(), raw: sample() };
  const raw =
    c.twin && !oursOnly
      ? () =>
          driver
            .executeQuery(c.twin?.cypher ?? '', c.twin?.params, {
              database: config.neo4j.database,
              routing: neo4j.routing.READ,
            })
            .then((r) => r.records.map((x) => x.toObject()))
      : undefined;
  const peerAsk =
    c.peer && !oursOnly ? () => ask(peer, c.peer?.graphql ?? '', c.peer?.variables ?? {}) : undefined;
  for (let i = -20; i < rounds; i++) {
    // The first rounds warm up (JIT, pools, per-import sets) and are thrown away.
    const into = (x: Sample) => (i < 0 ? sample() : x);
    await timed(into(s.ours), () => ask(ours, c.graphql, c.variables));
    if (peerAsk) await timed(into(s.peer), peerAsk);
    if (raw) await timed(into(s.raw), raw);
  }
  const line = (name: string, x: Sample) =>
    x.wall.length
      ? `  ${name.padEnd(5)} p50 ${p50(x.wall).toFixed(2)}  cpu ${(x.cpu / x.wall.length).toFixed(2)}` +
        (x.neo4j ? `  in round trips ${(x.neo4j / x.wall.length).toFixed(2)} (mean)` : '')
      : `  ${name.padEnd(5)} –`;
  console.log(`${c.name}\n${line('ours', s.ours)}\n${line('peer', s.peer)}\n${line('raw', s.raw)}`);
}
await driver.close();
