/**
 * The passes after the main one, each in a fresh API process over the same graph: the CPU profile
 * (`--cpu-prof`), API_WORKERS 1 and 2 (`--workers`), and the response cache on.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../src/env.ts';
import { fail, firstDifference, graphqlAt } from './answers.ts';
import { startProductionApi } from './api.ts';
import { readProfile, splitProfile } from './cpu-profile.ts';
import { type LoadOptions, type LoadResult, loadHttp } from './load.ts';
import { CACHE_CLASSES, CLASSES, classNamed, type QueryClass } from './queries.ts';
import type { CacheResult, CpuResult, Memory, WorkersResult } from './report.ts';

type Db = Config['bench']['neo4j'];

/**
 * The response cache (issue 6). The main pass runs the API with it off, so that every request
 * reaches Neo4j; the cache pass runs a second API process with it on, over the same data, and
 * times the CACHE_CLASSES again (all hits after the first request).
 */
export const RESPONSE_CACHE_OFF = { RESPONSE_CACHE_TTL_MS: '0' };
const RESPONSE_CACHE_TTL_MS = 300_000;
const RESPONSE_CACHE_ON = { RESPONSE_CACHE_TTL_MS: String(RESPONSE_CACHE_TTL_MS) };

const log = (line: string) => console.error(line);
const requestOf = (c: QueryClass) => JSON.stringify({ query: c.graphql, variables: c.variables });

/** Classes whose answers the CPU profile's load reuses, at this concurrency. */
const CPU_PROFILE_CONCURRENCY = 8;

/**
 * `--cpu-prof`: a third API process under `node --cpu-prof` (response cache off), loaded with each
 * checked core class in turn at concurrency 8, then stopped so that it writes its profile; the
 * samples are summed per bucket (bench/cpu-profile.ts).
 */
export async function profileCpu(
  db: Db,
  answers: ReadonlyMap<string, string>,
  seconds: number,
): Promise<CpuResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'attack-graph-cpu-'));
  const server = await startProductionApi(db, RESPONSE_CACHE_OFF, {
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  });
  const classes: string[] = [];
  try {
    for (const c of CLASSES) {
      const expected = answers.get(c.name);
      if (!expected) continue;
      log(`cpu profile: ${c.name} at concurrency ${CPU_PROFILE_CONCURRENCY}`);
      const r = await loadHttp(server.url, requestOf(c), expected, {
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
  log(`cpu profile: written in ${dir} (open it in Chrome's DevTools for the call tree)`);
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
export async function compareWorkers(
  db: Db,
  answers: ReadonlyMap<string, string>,
  seconds: number,
): Promise<WorkersResult> {
  const runs: WorkersResult['runs'] = [];
  for (const workers of WORKER_COUNTS) {
    const server = await startProductionApi(db, { ...RESPONSE_CACHE_OFF, API_WORKERS: String(workers) });
    try {
      for (const name of WORKER_CLASSES) {
        const c = classNamed(name);
        const expected = answers.get(name);
        if (!c || !expected) continue;
        log(`workers: ${name} with API_WORKERS=${workers} at concurrency ${WORKER_CONCURRENCY}`);
        const r = await loadHttp(server.url, requestOf(c), expected, {
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

/**
 * The CACHE_CLASSES measured in the main pass, again in a fresh API process with the response
 * cache on. The first request fills the cache and the second is answered from it: both must carry
 * the answer checked in the main pass, and the hit (dbRoundTrips 0) is what every timed response
 * must equal.
 */
export async function measureCache(
  db: Db,
  main: { answers: ReadonlyMap<string, unknown>; http: ReadonlyMap<string, LoadResult[]>; memory: Memory },
  plan: { load: Omit<LoadOptions, 'concurrency'>; concurrency: readonly number[] },
): Promise<CacheResult> {
  const cached = await startProductionApi(db, RESPONSE_CACHE_ON);
  try {
    const cache: CacheResult = {
      ttlMs: RESPONSE_CACHE_TTL_MS,
      load: { ...plan.load, concurrency: [...plan.concurrency] },
      memoryOff: { ...main.memory },
      memoryOn: { before: cached.memory().rss, after: 0, peak: 0 },
      classes: [],
    };
    for (const name of CACHE_CLASSES) {
      const c = classNamed(name);
      const off = main.http.get(name);
      if (!c || !off) continue; // not measured in the main pass (pending, or not selected)
      const miss = await graphqlAt(cached.url, c.graphql, c.variables);
      const hit = await graphqlAt(cached.url, c.graphql, c.variables);
      for (const [what, r] of [
        ['first', miss],
        ['cached', hit],
      ] as const) {
        const difference = firstDifference(r.body.data, main.answers.get(name));
        if (difference)
          fail(`${name}: the ${what} answer with the cache on differs from the checked one at ${difference}`);
      }
      if (hit.body.extensions?.dbRoundTrips !== 0) {
        fail(`${name}: the second request was not answered from the cache (${hit.text.slice(0, 300)})`);
      }
      log(`cache: ${name}: cached answer equals the checked one; timing`);
      const on: LoadResult[] = [];
      for (const n of plan.concurrency) {
        const r = await loadHttp(cached.url, requestOf(c), hit.text, { concurrency: n, ...plan.load });
        if (r.failures > 0)
          fail(`${name} (cache on) at concurrency ${n}: ${r.failures} failed or wrong responses`);
        on.push(r);
      }
      cache.classes.push({ name, dbRoundTrips: 0, off, on });
    }
    const memOn = cached.memory();
    cache.memoryOn.after = memOn.rss;
    cache.memoryOn.peak = memOn.peak;
    return cache;
  } finally {
    await cached.stop();
  }
}
