/**
 * `npm run bench [-- --quick] [-- --no-doc]`: import speed, query latency against raw Cypher, round
 * trips and API memory, on a dedicated Neo4j (BENCH_NEO4J_URI; a local server in .neo4j/bench by
 * default, started if needed and stopped afterwards if this run started it). Prints tables and
 * rewrites this mode's section of docs/benchmarks.md. THE BENCHMARK DATABASE IS EMPTIED.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { ConfigError, loadConfig, PROJECT_ROOT } from '../src/env.ts';
import { neo4jAnswers } from '../src/local-neo4j/ensure.ts';
import { startLocalNeo4j, stopLocalNeo4j } from '../src/local-neo4j/index.ts';
import { createDriver } from '../src/neo4j/driver.ts';
import { startApi } from './api.ts';
import { readProfile, splitProfile } from './cpu-profile.ts';
import { type GraphCounts, graphCounts, type ImportStep, importInChild, parseFloor, wipe } from './import.ts';
import { type LoadResult, loadCypher, loadHttp } from './load.ts';
import { ANALYST_CLASSES, CACHE_CLASSES, CLASSES, type QueryClass, selectionDepth } from './queries.ts';
import {
  type CacheResult,
  type ClassResult,
  type CpuResult,
  printTables,
  type Results,
  type WorkersResult,
  writeDoc,
} from './report.ts';

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
    cypherConcurrency: [1],
    analyst: { load: { seconds: 1.5, warmupSeconds: 0.5 }, concurrency: [1] },
    cache: { load: { seconds: 1, warmupSeconds: 0.5 }, concurrency: [1, 8] },
  },
} as const;

/**
 * The response cache (issue 6). The main pass runs the API with it off, so that every request
 * reaches Neo4j; the cache pass runs a second API process with it on, over the same data, and
 * times the CACHE_CLASSES again (all hits after the first request).
 */
const RESPONSE_CACHE_OFF = { RESPONSE_CACHE_TTL_MS: '0' };
const RESPONSE_CACHE_TTL_MS = 300_000;
const RESPONSE_CACHE_ON = { RESPONSE_CACHE_TTL_MS: String(RESPONSE_CACHE_TTL_MS) };

const log = (line: string) => console.error(line);

const PEER_ENTRY = path.join(PROJECT_ROOT, 'bench', 'peer', 'server.ts');

/** A wrong answer or a failed check: the run stops, cleans up and exits non-zero. */
class BenchFailure extends Error {}
function fail(message: string): never {
  throw new BenchFailure(message);
}

/** Labels of bookkeeping nodes, which differ between import histories by design. */
const BOOKKEEPING = new Set(['ImportRun', 'ImportLock']);
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

interface Answer {
  text: string;
  body: { data?: unknown; errors?: unknown; extensions?: { dbRoundTrips?: number } };
}

async function graphqlAt(url: string, query: string, variables: Record<string, unknown>): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  const body = JSON.parse(text) as Record<string, unknown>;
  if (!res.ok || body.errors) fail(`${url}: GraphQL answered ${res.status}: ${text.slice(0, 2000)}`);
  return { text, body };
}

const graphql = (url: string, c: QueryClass): Promise<Answer> => graphqlAt(url, c.graphql, c.variables);

/** The root query fields the running API has: classes that need a missing one are skipped, and say so. */
async function queryFields(url: string): Promise<Set<string>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query: '{ __schema { queryType { fields { name } } } }' }),
  });
  const body = (await res.json()) as {
    data?: { __schema: { queryType: { fields: Array<{ name: string }> } } };
  };
  if (!body.data) fail(`introspection failed (${res.status}): ${JSON.stringify(body).slice(0, 500)}`);
  return new Set(body.data.__schema.queryType.fields.map((f) => f.name));
}

/** First place two normalised answers part, for the error message. */
function firstDifference(a: unknown, b: unknown, at = '$'): string {
  if (isDeepStrictEqual(a, b)) return '';
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        `${at}.${k}`,
      );
      if (d) return d;
    }
  }
  return `${at}: GraphQL ${JSON.stringify(a)?.slice(0, 600)} vs Cypher ${JSON.stringify(b)?.slice(0, 600)}`;
}

/** Classes whose answers the CPU profile's load reuses, at this concurrency. */
const CPU_PROFILE_CONCURRENCY = 8;

/**
 * `--cpu-prof`: a third API process under `node --cpu-prof` (response cache off), loaded with each
 * core class in turn at concurrency 8, then stopped so that it writes its profile; the samples
 * are summed per bucket (bench/cpu-profile.ts).
 */
async function profileCpu(
  db: ReturnType<typeof loadConfig>['bench']['neo4j'],
  answers: ReadonlyMap<string, string>,
  seconds: number,
): Promise<CpuResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'attack-graph-cpu-'));
  const server = await startApi(db, RESPONSE_CACHE_OFF, {
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  });
  const classes: string[] = [];
  try {
    for (const c of CLASSES) {
      const expected = answers.get(c.name);
      if (!expected) continue;
      log(`cpu profile: ${c.name} at concurrency ${CPU_PROFILE_CONCURRENCY}`);
      const request = JSON.stringify({ query: c.graphql, variables: c.variables });
      const r = await loadHttp(server.url, request, expected, {
        concurrency: CPU_PROFILE_CONCURRENCY,
        seconds,
        // The first request of an analyst class loads the per-import sets (one round trip more),
        // so its body differs from the checked one: warm up as every other load does.
        warmupSeconds: 1,
      });
      if (r.failures > 0) fail(`${c.name} (cpu profile): ${r.failures} failed or wrong responses`);
      classes.push(c.name);
    }
  } finally {
    await server.stop();
  }
  return {
    classes,
    concurrency: CPU_PROFILE_CONCURRENCY,
    seconds,
    split: splitProfile(await readProfile(dir)),
  };
}

/** `--workers`: the classes, concurrency and worker counts of the API_WORKERS comparison. */
const WORKER_CLASSES = ['lookup', 'tactic-groups', 'matrix'];
const WORKER_CONCURRENCY = 8;
const WORKER_COUNTS = [1, 2];

/**
 * `--workers`: the API as `npm start` runs it with API_WORKERS=1 and then 2 (response cache off),
 * each class loaded at concurrency 8; throughput and latency side by side.
 */
async function compareWorkers(
  db: ReturnType<typeof loadConfig>['bench']['neo4j'],
  answers: ReadonlyMap<string, string>,
  seconds: number,
): Promise<WorkersResult> {
  const runs: WorkersResult['runs'] = [];
  for (const workers of WORKER_COUNTS) {
    const server = await startApi(db, { ...RESPONSE_CACHE_OFF, API_WORKERS: String(workers) });
    try {
      for (const name of WORKER_CLASSES) {
        const c = CLASSES.find((x) => x.name === name);
        const expected = answers.get(name);
        if (!c || !expected) continue;
        log(`workers: ${name} with API_WORKERS=${workers} at concurrency ${WORKER_CONCURRENCY}`);
        const request = JSON.stringify({ query: c.graphql, variables: c.variables });
        const r = await loadHttp(server.url, request, expected, {
          concurrency: WORKER_CONCURRENCY,
          seconds,
          warmupSeconds: 1,
        });
        if (r.failures > 0) fail(`${name} (API_WORKERS=${workers}): ${r.failures} failed or wrong responses`);
        runs.push({ name, workers, load: r });
      }
    } finally {
      await server.stop();
    }
  }
  return { concurrency: WORKER_CONCURRENCY, runs };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      'no-doc': { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      workers: { type: 'boolean', default: false },
    },
  });
  const mode = values.quick ? 'quick' : 'full';
  const plan = MODES[mode];
  const began = performance.now();
  const config = loadConfig();
  const db = config.bench.neo4j;
  const file18 = path.join(config.attack.dataDir, 'enterprise-attack-18.1.json');
  const file17 = path.join(config.attack.dataDir, 'enterprise-attack-17.1.json');
  for (const f of [file18, ...(plan.update ? [file17] : [])]) {
    if (!existsSync(f)) fail(`${f} is missing: set ATTACK_DATA_DIR to the folder of the ATT&CK bundles`);
  }

  const driver = createDriver(db);
  let startedHere = false;
  if (!(await neo4jAnswers(driver, db))) {
    if (!db.isLocal) fail(`Neo4j does not answer at ${db.uri} (BENCH_NEO4J_URI)`);
    log(`starting the benchmark's own Neo4j in ${path.relative(PROJECT_ROOT, db.local.home)} (${db.uri})`);
    await startLocalNeo4j({ ...db.local, user: db.user, password: db.password, log });
    startedHere = true;
  }
  const api: { stop(): Promise<void> }[] = [];
  try {
    const { records } = await driver.executeQuery(
      "CALL dbms.components() YIELD name, versions, edition WHERE name = 'Neo4j Kernel' RETURN versions[0] AS v, edition",
      {},
      { database: db.database },
    );
    const neo4jVersion = `${records[0]?.get('v')} ${records[0]?.get('edition')}`;
    const cpus = os.cpus();
    const results: Results = {
      mode,
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
    log(`${mode} benchmark against ${db.uri} (Neo4j ${neo4jVersion}); the database is emptied`);

    // Import.
    const step = async (name: string, file: string): Promise<ImportStep> => {
      log(`import: ${name} (${path.basename(file)})`);
      const s = await importInChild(name, file);
      results.imports.push(s);
      return s;
    };
    let fresh: GraphCounts | undefined;
    for (let i = 1; i <= plan.fullImports; i++) {
      await wipe(driver, db.database);
      await step(plan.fullImports > 1 ? `full, empty DB (#${i})` : 'full, empty DB', file18);
      fresh = await graphCounts(driver, db.database);
    }
    if (!fresh) throw new Error('no full import ran');
    const noop = await step('re-import, same bundle', file18);
    const after = await graphCounts(driver, db.database);
    results.checks.push({
      what: 're-importing the same bundle writes nothing and changes no counts',
      ok: !noop.changed && isDeepStrictEqual(after, fresh),
      detail: noop.changed ? 'the import reported changes' : countsDiff(fresh, after),
    });
    if (plan.update) {
      await wipe(driver, db.database);
      await step('17.1, empty DB', file17);
      await step('update 17.1 → 18.1', file18);
      const updated = await graphCounts(driver, db.database);
      const diff = countsDiff(domainCounts(fresh), domainCounts(updated));
      results.checks.push({
        what: '17.1 then 18.1 leaves the same counts per label and relationship type as a fresh 18.1 import',
        ok: diff === '',
        detail: diff,
      });
    }

    // Queries, with the response cache off: every request reaches Neo4j.
    const server = await startApi(db, RESPONSE_CACHE_OFF);
    api.push(server);
    results.memory.before = server.memory().rss;
    const rootFields = await queryFields(server.url);
    // The peer: @neo4j/graphql over the same database, served the same way (bench/peer/server.ts).
    log('starting the peer (@neo4j/graphql) over the same database');
    const peer = await startApi(db, {}, { entry: PEER_ENTRY });
    api.push(peer);
    /** Each timed class's checked answer, for the cache pass to compare with. */
    const answers = new Map<string, unknown>();
    /** Each class's checked response text, byte for byte (for the CPU profile's load). */
    const texts = new Map<string, string>();
    const measure = async (
      c: QueryClass,
      kind: 'core' | 'analyst',
      load: { seconds: number; warmupSeconds: number },
      concurrency: readonly number[],
      cypherConcurrency: readonly number[],
    ): Promise<void> => {
      if (c.requires && !rootFields.has(c.requires)) {
        results.pending.push({
          name: c.name,
          kind,
          note: `n/a: Query.${c.requires} is not in the schema yet`,
        });
        log(`query: ${c.name}: skipped, Query.${c.requires} is not in the schema yet`);
        return;
      }
      if (c.needsHistory && !plan.update) {
        const note = 'n/a in --quick: needs the 17.1 → 18.1 import history that only the full run imports';
        results.pending.push({ name: c.name, kind, note });
        log(`query: ${c.name}: skipped (${note})`);
        return;
      }
      // The first request after an import also loads the per-import analyst sets (one round trip
      // more); the checked answer is the second, the steady state every timed response must equal.
      const cold = await graphql(server.url, c);
      const { text, body } = await graphql(server.url, c);
      const coldDifference = firstDifference(cold.body.data, body.data);
      if (coldDifference) fail(`${c.name}: the first and second answers differ at ${coldDifference}`);
      const roundTrips = body.extensions?.dbRoundTrips ?? Number.NaN;
      if (c.twin) {
        const { records } = await driver.executeQuery(c.twin.cypher, c.twin.params, {
          database: db.database,
        });
        const mine = c.twin.fromGraphql(body.data);
        const theirs = c.twin.fromCypher(records.map((r) => r.toObject()));
        const difference = firstDifference(mine, theirs);
        if (difference) fail(`${c.name}: the GraphQL and raw Cypher answers differ at ${difference}`);
        if (JSON.stringify(mine).length < 20)
          fail(`${c.name}: suspiciously empty answer ${JSON.stringify(mine)}`);
        if (c.peer) {
          const theirs = c.peer.fromPeer(
            (await graphqlAt(peer.url, c.peer.graphql, c.peer.variables)).body.data,
          );
          const peerDifference = firstDifference(mine, theirs);
          if (peerDifference) fail(`${c.name}: our answer and the peer's differ at ${peerDifference}`);
        }
        log(
          `query: ${c.name}: answers agree${c.peer ? ' (raw Cypher and peer)' : ''}; ${roundTrips} round trips; timing`,
        );
      } else {
        const problem = c.check ? c.check(body.data) : 'no raw Cypher twin and no check';
        if (problem) fail(`${c.name}: wrong answer (${problem}): ${text.slice(0, 1000)}`);
        log(`query: ${c.name}: answer checked (no twin); ${roundTrips} round trips; timing`);
      }
      answers.set(c.name, body.data);
      texts.set(c.name, text);
      const result: ClassResult = {
        name: c.name,
        kind,
        title: c.title,
        graphql: c.graphql,
        cypher: c.twin?.cypher,
        depth: selectionDepth(c.graphql),
        dbRoundTrips: roundTrips,
        responseBytes: Buffer.byteLength(text),
        http: [],
        cypherLoad: [],
        peerLoad: [],
      };
      const request = JSON.stringify({ query: c.graphql, variables: c.variables });
      for (const n of concurrency) {
        const r = await loadHttp(server.url, request, text, { concurrency: n, ...load });
        if (r.failures > 0) fail(`${c.name} at concurrency ${n}: ${r.failures} failed or wrong responses`);
        result.http.push(r);
      }
      if (c.twin) {
        for (const n of cypherConcurrency) {
          const r = await loadCypher(driver, db.database, c.twin.cypher, c.twin.params, {
            concurrency: n,
            ...load,
          });
          if (r.failures > 0) fail(`${c.name} (Cypher) at concurrency ${n}: ${r.failures} failed queries`);
          result.cypherLoad.push(r);
        }
      }
      if (c.peer) {
        const first = await graphqlAt(peer.url, c.peer.graphql, c.peer.variables);
        const peerRequest = JSON.stringify({ query: c.peer.graphql, variables: c.peer.variables });
        for (const n of concurrency) {
          const r = await loadHttp(peer.url, peerRequest, first.text, { concurrency: n, ...load });
          if (r.failures > 0)
            fail(`${c.name} (peer) at concurrency ${n}: ${r.failures} failed or wrong responses`);
          result.peerLoad.push(r);
        }
      }
      results.classes.push(result);
    };
    for (const c of CLASSES) await measure(c, 'core', plan.load, plan.concurrency, plan.cypherConcurrency);
    for (const c of ANALYST_CLASSES) {
      await measure(c, 'analyst', plan.analyst.load, plan.analyst.concurrency, plan.cypherConcurrency);
    }
    const mem = server.memory();
    results.memory.after = mem.rss;
    results.memory.peak = mem.peak;
    await server.stop();
    await peer.stop();

    if (values['cpu-prof']) results.cpu = await profileCpu(db, texts, plan.load.seconds);
    if (values.workers) results.workers = await compareWorkers(db, texts, plan.load.seconds);

    // The same classes again with the response cache on, in a fresh API process.
    const cached = await startApi(db, RESPONSE_CACHE_ON);
    api.push(cached);
    const cache: CacheResult = {
      ttlMs: RESPONSE_CACHE_TTL_MS,
      load: { ...plan.cache.load, concurrency: [...plan.cache.concurrency] },
      memoryOff: { ...results.memory },
      memoryOn: { before: cached.memory().rss, after: 0, peak: 0 },
      classes: [],
    };
    for (const name of CACHE_CLASSES) {
      const c = [...CLASSES, ...ANALYST_CLASSES].find((x) => x.name === name);
      const off = results.classes.find((x) => x.name === name);
      if (!c || !off) continue; // not in the schema yet: reported as pending above
      // The first request fills the cache, the second is answered from it: both must carry the
      // answer checked in the main pass, and the hit (dbRoundTrips 0) is what every timed response must equal.
      const miss = await graphql(cached.url, c);
      const hit = await graphql(cached.url, c);
      for (const [what, r] of [
        ['first', miss],
        ['cached', hit],
      ] as const) {
        const difference = firstDifference(r.body.data, answers.get(name));
        if (difference)
          fail(`${name}: the ${what} answer with the cache on differs from the checked one at ${difference}`);
      }
      if (hit.body.extensions?.dbRoundTrips !== 0) {
        fail(`${name}: the second request was not answered from the cache (${hit.text.slice(0, 300)})`);
      }
      log(`cache: ${name}: cached answer equals the checked one; timing`);
      const request = JSON.stringify({ query: c.graphql, variables: c.variables });
      const on: LoadResult[] = [];
      for (const n of plan.cache.concurrency) {
        const r = await loadHttp(cached.url, request, hit.text, { concurrency: n, ...plan.cache.load });
        if (r.failures > 0)
          fail(`${name} (cache on) at concurrency ${n}: ${r.failures} failed or wrong responses`);
        on.push(r);
      }
      cache.classes.push({ name, dbRoundTrips: 0, off: off.http, on });
    }
    const memOn = cached.memory();
    cache.memoryOn.after = memOn.rss;
    cache.memoryOn.peak = memOn.peak;
    results.cache = cache;
    await cached.stop();

    results.totalSeconds = (performance.now() - began) / 1000;
    results.machine.loadAverage.end = os.loadavg()[0] ?? 0;
    printTables(results, (line) => console.log(line));
    if (!values['no-doc']) {
      const doc = path.join(PROJECT_ROOT, 'docs', 'benchmarks.md');
      await writeDoc(doc, results);
      log(`\nwrote the ${mode} section of ${path.relative(PROJECT_ROOT, doc)}`);
    }
    const failed = results.checks.filter((c) => !c.ok);
    if (failed.length) fail(failed.map((c) => `${c.what}: ${c.detail}`).join('; '));
  } finally {
    for (const a of api) await a.stop();
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
