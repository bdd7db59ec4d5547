/**
 * `npx tsx bench/ab-http.ts BASE [rounds] [class,class] [concurrency] [seconds]`: this checkout's
 * API against another checkout's (BASE, a directory: for example `git worktree add ../base HEAD~1`
 * with this checkout's node_modules linked into it), both served as `npm start` serves them in
 * production (bench/api.ts), over the benchmark database as the last `npm run bench` left it
 * (BENCH_NEO4J_URI; it reads only). Each class is loaded over HTTP on one, then the other, in turns
 * (the order flips every round), so both meet the same phases of the machine. Before any load both
 * must give the same answer; every timed response must equal it. Prints, per class and checkout,
 * the median over the rounds of req/s, p50, and the CPU time per request of the API process and of
 * the local Neo4j server (procfs: Linux, and a server this machine runs).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/env.ts';
import { localNeo4jStatus } from '../src/local-neo4j/index.ts';
import { graphqlAt } from './answers.ts';
import { type Api, startProductionApi } from './api.ts';
import { loadHttp, median } from './load.ts';
import { classNamed } from './queries.ts';

const [base, rounds = '6', only = 'technique-one-hop,matrix', concurrency = '8', seconds = '4'] =
  process.argv.slice(2);
if (!base) throw new Error('usage: bench/ab-http.ts BASE [rounds] [class,class] [concurrency] [seconds]');
const db = loadConfig().bench.neo4j;

/** User plus system CPU time of a process so far, in ms (procfs counts in ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
const { pid: neo4jPid } = await localNeo4jStatus(db.local.home);
if (neo4jPid === undefined)
  throw new Error(
    `no Neo4j runs in ${db.local.home}: start the benchmark's database (see docs/benchmarks.md)`,
  );

const off = { RESPONSE_CACHE_TTL_MS: '0' };
const WARMUP_SECONDS = 1;
const apis: Array<[string, Api]> = [
  ['base', await startProductionApi(db, off, { entry: path.resolve(base, 'scripts', 'start.ts') })],
  ['this', await startProductionApi(db, off)],
];
try {
  for (const name of only.split(',')) {
    const c = classNamed(name);
    if (!c) throw new Error(`no class named ${name}`);
    const body = JSON.stringify({ query: c.graphql, variables: c.variables });
    const ask = async (url: string) => {
      await graphqlAt(url, c.graphql, c.variables); // the first after start-up may load the per-import sets
      return (await graphqlAt(url, c.graphql, c.variables)).text;
    };
    const answers = await Promise.all(apis.map(([, api]) => ask(api.url)));
    if (answers[0] !== answers[1]) throw new Error(`${name}: the two checkouts answer differently`);
    const expected = answers[0] as string;
    const seen = new Map(
      apis.map(([side]) => [
        side,
        { rps: [] as number[], p50: [] as number[], api: [] as number[], neo4j: [] as number[] },
      ]),
    );
    for (let round = 0; round < Number(rounds); round++) {
      for (const [side, api] of round % 2 ? [...apis].reverse() : apis) {
        const [api0, neo4j0] = [cpuMs(api.pid), cpuMs(neo4jPid)];
        const load = await loadHttp(api.url, body, expected, {
          concurrency: Number(concurrency),
          seconds: Number(seconds),
          warmupSeconds: WARMUP_SECONDS,
        });
        if (load.failures) throw new Error(`${name} (${side}): ${load.failures} failed or wrong responses`);
        // The warm-up's requests are not counted by the load: estimate them at the measured rate.
        const requests = load.requests + load.rps * WARMUP_SECONDS;
        const s = seen.get(side);
        s?.rps.push(load.rps);
        s?.p50.push(load.p50);
        s?.api.push((cpuMs(api.pid) - api0) / requests);
        s?.neo4j.push((cpuMs(neo4jPid) - neo4j0) / requests);
      }
    }
    for (const [side, s] of seen)
      console.log(
        `${name} ${side}: req/s ${median(s.rps).toFixed(0)}, p50 ${median(s.p50).toFixed(2)} ms, ` +
          `API CPU ${median(s.api).toFixed(3)} ms/request, Neo4j CPU ${median(s.neo4j).toFixed(3)} ms/request`,
      );
  }
} finally {
  await Promise.all(apis.map(([, api]) => api.stop()));
}
