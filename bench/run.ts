/**
 * `npm run bench [-- --quick] [-- --no-doc] [-- --only a,b] [-- --cpu-prof] [-- --workers]`: import
 * speed, query latency against raw Cypher and the peer (@neo4j/graphql), round trips and API memory,
 * on a dedicated Neo4j (BENCH_NEO4J_URI; a local server in .neo4j/bench by default, started if
 * needed and stopped afterwards if this run started it). Prints tables and rewrites this mode's
 * section of docs/benchmarks.md. THE BENCHMARK DATABASE IS EMPTIED.
 *
 * `main` reads as the run's stages: open the database, describe the machine, import, the main
 * query pass, the optional passes, the cache pass, report.
 */
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import type { Driver } from 'neo4j-driver';
import { type Config, ConfigError, loadConfig, PROJECT_ROOT } from '../src/env.ts';
import { neo4jAnswers } from '../src/local-neo4j/ensure.ts';
import { startLocalNeo4j, stopLocalNeo4j } from '../src/local-neo4j/index.ts';
import { DATA_CHANGE } from '../src/model.ts';
import { createDriver } from '../src/neo4j/driver.ts';
import { schema } from '../src/schema/index.ts';
import { BenchFailure, fail } from './answers.ts';
import { type Api, startProductionApi } from './api.ts';
import { type GraphCounts, graphCounts, importInChild, parseFloor, wipe } from './import.ts';
import type { LoadResult } from './load.ts';
import { compareWorkers, measureCache, profileCpu, RESPONSE_CACHE_OFF } from './passes.ts';
import { ANALYST_CLASSES, CLASSES, type QueryClass } from './queries.ts';
import { measureClass, type Points, type QueryPass } from './query-pass.ts';
import { printTables, type Results, writeDoc } from './report.ts';

const MODES = {
  full: {
    fullImports: 2, // the first runs on a cold JVM; both are reported
    update: true,
    load: { seconds: 10, warmupSeconds: 2 },
    concurrency: [1, 8, 32],
    cypherConcurrency: [1, 8, 32],
    // Shorter points for the many analyst classes and the cache pass keep the run under ~12 minutes.
    analyst: { load: { seconds: 5, warmupSeconds: 1 }, concurrency: [1, 8] },
    cache: { load: { seconds: 5, warmupSeconds: 1 }, concurrency: [1, 8, 32] },
  },
  quick: {
    fullImports: 1,
    update: false,
    load: { seconds: 2, warmupSeconds: 1 },
    concurrency: [1, 8],
    cypherConcurrency: [1, 8],
    analyst: { load: { seconds: 1.5, warmupSeconds: 0.5 }, concurrency: [1] },
    cache: { load: { seconds: 1, warmupSeconds: 0.5 }, concurrency: [1, 8] },
  },
} as const;
type Plan = (typeof MODES)[keyof typeof MODES];
type Db = Config['bench']['neo4j'];

const log = (line: string) => console.error(line);
const PEER_ENTRY = path.join(PROJECT_ROOT, 'bench', 'peer', 'server.ts');

interface Flags {
  mode: keyof typeof MODES;
  plan: Plan;
  /** The classes to measure; every class when absent. */
  only?: ReadonlySet<string>;
  /** Measure the graph already in the database instead of importing (with --only). */
  importData: boolean;
  /** Whether to rewrite this mode's section of docs/benchmarks.md: only a whole run does. */
  writeDoc: boolean;
  cpuProf: boolean;
  workers: boolean;
}

function parseFlags(): Flags {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      'no-doc': { type: 'boolean', default: false },
      'no-import': { type: 'boolean', default: false },
      only: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      workers: { type: 'boolean', default: false },
    },
  });
  const mode = values.quick ? 'quick' : 'full';
  const known = new Set([...CLASSES, ...ANALYST_CLASSES].map((c) => c.name));
  const only = values.only === undefined ? undefined : new Set(values.only.split(',').map((s) => s.trim()));
  const unknown = [...(only ?? [])].filter((n) => !known.has(n));
  if (unknown.length)
    fail(`--only: no class named ${unknown.join(', ')} (classes: ${[...known].join(', ')})`);
  if (values['no-import'] && !only)
    fail('--no-import measures a graph this run did not import: use it with --only');
  return {
    mode,
    plan: MODES[mode],
    only,
    importData: !values['no-import'],
    // A partial run (--only) never overwrites a section that stands for the whole benchmark.
    writeDoc: !values['no-doc'] && !only,
    cpuProf: values['cpu-prof'],
    workers: values.workers,
  };
}

/** The benchmark's Neo4j: the one that answers at BENCH_NEO4J_URI, or a local one started here. */
async function openBenchDb(db: Db): Promise<{ driver: Driver; startedHere: boolean }> {
  const driver = createDriver(db);
  if (await neo4jAnswers(driver, db)) return { driver, startedHere: false };
  if (!db.isLocal) fail(`Neo4j does not answer at ${db.uri} (BENCH_NEO4J_URI)`);
  log(`starting the benchmark's own Neo4j in ${path.relative(PROJECT_ROOT, db.local.home)} (${db.uri})`);
  await startLocalNeo4j({ ...db.local, user: db.user, password: db.password, log });
  return { driver, startedHere: true };
}

/** The empty results of this run: what ran, where, and the floor of reading the bundle. */
async function describeRun(flags: Flags, db: Db, driver: Driver, file18: string): Promise<Results> {
  const { records } = await driver.executeQuery(
    "CALL dbms.components() YIELD name, versions, edition WHERE name = 'Neo4j Kernel' RETURN versions[0] AS v, edition",
    {},
    { database: db.database },
  );
  const neo4jVersion = `${records[0]?.get('v')} ${records[0]?.get('edition')}`;
  const cpus = os.cpus();
  const { plan } = flags;
  log(`${flags.mode} benchmark against ${db.uri} (Neo4j ${neo4jVersion}); the database is emptied`);
  return {
    mode: flags.mode,
    // The flags that shaped this run (not --no-doc, which only says where the tables go).
    command: ['npm run bench', ...process.argv.slice(2).filter((a) => a !== '--no-doc')]
      .join(' ')
      .replace('bench --', 'bench -- --'),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    totalSeconds: 0,
    machine: {
      cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
      cores: cpus.length,
      memoryBytes: os.totalmem(),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      neo4j: neo4jVersion,
      neo4jUri: db.uri,
      loadAverage: { start: os.loadavg()[0] ?? 0, end: 0 },
      neo4jMemory: db.isLocal
        ? `local server, heap ${db.local.heap}, page cache ${db.local.pageCache}`
        : 'remote server',
    },
    load: { ...plan.load, concurrency: [...plan.concurrency] },
    analystLoad: { ...plan.analyst.load, concurrency: [...plan.analyst.concurrency] },
    floor: { file: file18, bytes: statSync(file18).size, ...(await parseFloor(file18)) },
    imports: [],
    checks: [],
    classes: [],
    pending: [],
    memory: { before: 0, after: 0, peak: 0 },
    cache: null,
    cpu: null,
    workers: null,
  };
}

/** Labels of bookkeeping nodes, which differ between import histories by design. */
const BOOKKEEPING = new Set(['ImportRun', DATA_CHANGE, 'ImportLock', 'Release']);
const domainCounts = (c: GraphCounts) => ({
  nodes: Object.fromEntries(Object.entries(c.nodes).filter(([k]) => !BOOKKEEPING.has(k))),
  rels: c.rels,
});
function countsDiff(a: GraphCounts, b: GraphCounts): string {
  const out: string[] = [];
  for (const kind of ['nodes', 'rels'] as const) {
    for (const k of new Set([...Object.keys(a[kind]), ...Object.keys(b[kind])])) {
      if (a[kind][k] !== b[kind][k]) out.push(`${k} ${a[kind][k] ?? 0} → ${b[kind][k] ?? 0}`);
    }
  }
  return out.join(', ');
}

/**
 * The import stage: fresh imports into an empty database, a re-import that must change nothing,
 * and in the full run 17.1 updated to 18.1, which must count the same as a fresh 18.1. Leaves the
 * graph the query passes read.
 */
async function importStage(
  plan: Plan,
  driver: Driver,
  database: string,
  files: { v18: string; v17: string },
  results: Results,
) {
  const step = async (name: string, file: string) => {
    log(`import: ${name} (${path.basename(file)})`);
    const s = await importInChild(name, file);
    results.imports.push(s);
    return s;
  };
  let fresh: GraphCounts | undefined;
  for (let i = 1; i <= plan.fullImports; i++) {
    await wipe(driver, database);
    await step(plan.fullImports > 1 ? `full, empty DB (#${i})` : 'full, empty DB', files.v18);
    fresh = await graphCounts(driver, database);
  }
  if (!fresh) throw new Error('no full import ran');
  const noop = await step('re-import, same bundle', files.v18);
  const after = await graphCounts(driver, database);
  results.checks.push({
    what: 're-importing the same bundle writes nothing and changes no counts',
    ok: !noop.changed && isDeepStrictEqual(after, fresh),
    detail: noop.changed ? 'the import reported changes' : countsDiff(fresh, after),
  });
  if (!plan.update) return;
  await wipe(driver, database);
  await step('17.1, empty DB', files.v17);
  await step('update 17.1 → 18.1', files.v18);
  // 17.1 stays beside 18.1 (releases side by side): the newest snapshot is what a fresh import writes.
  const newest = await graphCounts(driver, database, true);
  const diff = countsDiff(domainCounts(fresh), domainCounts(newest));
  results.checks.push({
    what: "17.1 then 18.1 leaves 18.1's snapshot with the same counts per label and relationship type as a fresh 18.1 import",
    ok: diff === '',
    detail: diff,
  });
}

/** What the main pass leaves for the passes after it. */
interface MainPass {
  /** Each measured class's checked answer (`data`), and its response text byte for byte. */
  answers: Map<string, unknown>;
  texts: Map<string, string>;
  http: Map<string, LoadResult[]>;
}

/**
 * The main pass: our API (response cache off: every request reaches Neo4j) and the peer over the
 * same graph, each selected class checked and then timed.
 */
async function queryStage(
  flags: Flags,
  db: Db,
  driver: Driver,
  results: Results,
  servers: Api[],
  hasHistory: boolean,
): Promise<MainPass> {
  const selected = (cs: QueryClass[]) => cs.filter((c) => !flags.only || flags.only.has(c.name));
  const server = await startProductionApi(db, RESPONSE_CACHE_OFF);
  servers.push(server);
  results.memory.before = server.memory().rss;
  log('starting the peer (@neo4j/graphql) over the same database');
  const peer = await startProductionApi(db, {}, { entry: PEER_ENTRY });
  servers.push(peer);
  const pass: QueryPass = {
    api: server.url,
    peer: peer.url,
    driver,
    database: db.database,
    rootFields: new Set(Object.keys(schema.getQueryType()?.getFields() ?? {})),
    hasHistory,
  };
  const out: MainPass = { answers: new Map(), texts: new Map(), http: new Map() };
  const { plan } = flags;
  const core: Points = {
    load: plan.load,
    concurrency: plan.concurrency,
    cypherConcurrency: plan.cypherConcurrency,
  };
  const analyst: Points = { ...plan.analyst, cypherConcurrency: plan.cypherConcurrency };
  for (const [kind, classes, points] of [
    ['core', selected(CLASSES), core],
    ['analyst', selected(ANALYST_CLASSES), analyst],
  ] as const) {
    for (const c of classes) {
      const m = await measureClass(pass, c, kind, points);
      if ('pending' in m) {
        results.pending.push(m.pending);
        continue;
      }
      results.classes.push(m.result);
      out.answers.set(c.name, m.answer);
      out.texts.set(c.name, m.text);
      out.http.set(c.name, m.result.http);
    }
  }
  const mem = server.memory();
  Object.assign(results.memory, { after: mem.rss, peak: mem.peak });
  await server.stop();
  await peer.stop();
  return out;
}

/** Prints the tables, rewrites this mode's section of docs/benchmarks.md when asked, and fails on a failed check. */
async function report(flags: Flags, results: Results, began: number): Promise<void> {
  results.totalSeconds = (performance.now() - began) / 1000;
  results.machine.loadAverage.end = os.loadavg()[0] ?? 0;
  printTables(results, (line) => console.log(line));
  if (flags.writeDoc) {
    const doc = path.join(PROJECT_ROOT, 'docs', 'benchmarks.md');
    await writeDoc(doc, results);
    log(`\nwrote the ${flags.mode} section of ${path.relative(PROJECT_ROOT, doc)}`);
  }
  const failed = results.checks.filter((c) => !c.ok);
  if (failed.length) fail(failed.map((c) => `${c.what}: ${c.detail}`).join('; '));
}

async function main(): Promise<void> {
  const began = performance.now();
  const flags = parseFlags();
  const config = loadConfig();
  const db = config.bench.neo4j;
  const files = {
    v18: path.join(config.attack.dataDir, 'enterprise-attack-18.1.json'),
    v17: path.join(config.attack.dataDir, 'enterprise-attack-17.1.json'),
  };
  for (const f of [files.v18, ...(flags.plan.update ? [files.v17] : [])]) {
    if (!existsSync(f)) fail(`${f} is missing: set ATTACK_DATA_DIR to the folder of the ATT&CK bundles`);
  }
  const { driver, startedHere } = await openBenchDb(db);
  const servers: Api[] = [];
  try {
    const results = await describeRun(flags, db, driver, files.v18);
    if (flags.importData) await importStage(flags.plan, driver, db.database, files, results);
    const hasHistory = flags.importData && flags.plan.update;
    const main = await queryStage(flags, db, driver, results, servers, hasHistory);
    const { seconds } = flags.plan.load;
    if (flags.cpuProf) results.cpu = await profileCpu(db, main.texts, seconds);
    if (flags.workers) results.workers = await compareWorkers(db, main.texts, seconds);
    results.cache = await measureCache(db, { ...main, memory: results.memory }, flags.plan.cache);
    await report(flags, results, began);
  } finally {
    for (const s of servers) await s.stop();
    await driver.close();
    if (startedHere) {
      log(`stopping the benchmark's Neo4j (${path.relative(PROJECT_ROOT, db.local.home)})`);
      await stopLocalNeo4j(db.local.home);
    }
  }
}

main().catch((error: unknown) => {
  if (error instanceof BenchFailure) console.error(`\nbench FAILED: ${error.message}`);
  else console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
