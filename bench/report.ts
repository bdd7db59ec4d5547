import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CpuSplit } from './cpu-profile.ts';
import type { ImportStep } from './import.ts';
import type { LoadResult } from './load.ts';

export interface Machine {
  cpu: string;
  cores: number;
  memoryBytes: number;
  os: string;
  node: string;
  neo4j: string;
  neo4jUri: string;
  /** 1-minute load average at the start and end of the run: other work on the machine skews results. */
  loadAverage: { start: number; end: number };
  neo4jMemory: string;
}

export interface ClassResult {
  name: string;
  /** Core classes have a raw Cypher twin and run at every concurrency; analyst classes are lighter. */
  kind: 'core' | 'analyst';
  title: string;
  graphql: string;
  /** The raw Cypher twin, when the class has one. */
  cypher?: string;
  /** Levels of data in the operation (`selectionDepth`): round trips should not exceed it. */
  depth: number;
  dbRoundTrips: number;
  responseBytes: number;
  http: LoadResult[];
  cypherLoad: LoadResult[];
  /** The same question through @neo4j/graphql over HTTP, when the class has a peer query. */
  peerLoad: LoadResult[];
}

export interface Memory {
  before: number;
  after: number;
  peak: number;
}

/** A second pass over some classes with the response cache on, next to their numbers with it off. */
export interface CacheResult {
  ttlMs: number;
  load: { seconds: number; warmupSeconds: number; concurrency: number[] };
  /** The API process of the main pass (cache off: every class), and of the cache pass (these classes only). */
  memoryOff: Memory;
  memoryOn: Memory;
  classes: Array<{ name: string; dbRoundTrips: number; off: LoadResult[]; on: LoadResult[] }>;
}

export interface Results {
  mode: 'full' | 'quick';
  command: string;
  date: string;
  totalSeconds: number;
  machine: Machine;
  load: { seconds: number; warmupSeconds: number; concurrency: number[] };
  analystLoad: { seconds: number; warmupSeconds: number; concurrency: number[] };
  floor: { file: string; bytes: number; readMs: number; parseMs: number };
  imports: ImportStep[];
  checks: Array<{ what: string; ok: boolean; detail: string }>;
  classes: ClassResult[];
  pending: Array<{ name: string; kind: 'core' | 'analyst'; note: string }>;
  /** The API process of the main pass (response cache off). */
  memory: Memory;
  cache: CacheResult | null;
  /** `--cpu-prof`: where the API process's CPU went under load. */
  cpu: CpuResult | null;
  /** `--workers`: the same classes with API_WORKERS=1 and 2. */
  workers: WorkersResult | null;
}

export interface WorkersResult {
  concurrency: number;
  runs: Array<{ name: string; workers: number; load: LoadResult }>;
}

function workersLines(w: WorkersResult): string[] {
  const rows: string[][] = [];
  for (const name of [...new Set(w.runs.map((r) => r.name))]) {
    const mine = w.runs.filter((r) => r.name === name);
    const one = mine.find((r) => r.workers === 1)?.load;
    for (const r of mine) {
      rows.push([
        name,
        String(r.workers),
        `${ms(r.load.p50)} / ${ms(r.load.p95)} / ${ms(r.load.p99)}`,
        n0(r.load.rps),
        one ? times(r.load.rps, one.rps) : '–',
      ]);
    }
  }
  return [
    '#### API_WORKERS (`--workers`)',
    '',
    `The API as \`npm start\` runs it, with \`API_WORKERS\` 1 and then 2 (response cache off), each class at concurrency ${w.concurrency}; ` +
      'Neo4j and the load generator share the same cores.',
    '',
    table(['class', 'workers', 'p50 / p95 / p99 ms', 'req/s', 'req/s vs 1 worker'], rows),
  ];
}

export interface CpuResult {
  classes: string[];
  concurrency: number;
  seconds: number;
  split: CpuSplit;
}

function cpuLines(c: CpuResult): string[] {
  return [
    '#### Where the API process spends its CPU (`--cpu-prof`)',
    '',
    `A third API process (response cache off) ran under \`node --cpu-prof\` while each of ${c.classes.join(', ')} ` +
      `was loaded for ${c.seconds} s at concurrency ${c.concurrency}. Busy: ${n0(c.split.busyMs)} ms sampled; ` +
      `idle (waiting on Neo4j or the network): ${n0(c.split.idleMs)} ms; start-up (left out): ${n0(c.split.startupMs)} ms. Each sample counts for the nearest frame on its stack ` +
      'that a bucket recognises (bench/cpu-profile.ts).',
    '',
    table(
      ['bucket', 'CPU ms', 'share of busy'],
      c.split.shares.map((x) => [x.name, n0(x.ms), `${(100 * x.share).toFixed(1)}%`]),
    ),
  ];
}

/** `a / b` as `1.23×`, or – when either side measured nothing. */
const times = (a: number, b: number, digits = 2) =>
  Number.isFinite(a / b) && b > 0 && a > 0 ? `${(a / b).toFixed(digits)}×` : '–';
const ms = (n: number) => (Number.isFinite(n) ? (n >= 100 ? n.toFixed(0) : n.toFixed(n >= 10 ? 1 : 2)) : '–');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const n0 = (n: number) => Math.round(n).toLocaleString('en-US');

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** GraphQL latency over raw Cypher latency at the same concurrency (p50). */
export function ratio(c: ClassResult, concurrency: number): number {
  const g = c.http.find((r) => r.concurrency === concurrency);
  const r = c.cypherLoad.find((x) => x.concurrency === concurrency);
  return g && r ? g.p50 / r.p50 : Number.NaN;
}

export function importRows(r: Results): string[][] {
  return r.imports.map((s) => [
    s.name,
    `${path.basename(s.file)}`,
    ms(s.wallMs),
    ms(s.neo4jMs),
    `${ms(s.phaseMs.read)} / ${ms(s.phaseMs.validate)} / ${ms(s.phaseMs.transform ?? 0)} / ${ms(s.phaseMs.load)}`,
    n0(s.input / (s.wallMs / 1000)),
    mb(s.peakRssBytes),
    s.changed
      ? Object.entries(s.summary)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ') || 'changed'
      : 'nothing written',
  ]);
}
export const IMPORT_HEAD = [
  'step',
  'bundle',
  'wall ms',
  'in Neo4j ms',
  'read / validate / transform / load ms',
  'objects/s',
  'peak RSS',
  'changes',
];

export function queryRows(r: Results, kind: 'core' | 'analyst'): string[][] {
  const rows: string[][] = [];
  const triple = (x: LoadResult) => `${ms(x.p50)} / ${ms(x.p95)} / ${ms(x.p99)}`;
  for (const c of r.classes.filter((x) => x.kind === kind)) {
    for (const h of c.http) {
      const raw = c.cypherLoad.find((x) => x.concurrency === h.concurrency);
      const peer = (c.peerLoad ?? []).find((x) => x.concurrency === h.concurrency);
      rows.push([
        c.name,
        String(h.concurrency),
        triple(h),
        n0(h.rps),
        raw ? triple(raw) : '–',
        raw ? n0(raw.rps) : '–',
        raw ? times(h.p50, raw.p50) : '–',
        peer ? triple(peer) : '–',
        peer ? n0(peer.rps) : '–',
        peer ? times(h.p50, peer.p50) : '–',
        peer ? times(h.rps, peer.rps) : '–',
        `${c.dbRoundTrips}${c.dbRoundTrips > c.depth ? ' (!)' : ''}`,
        String(c.depth),
      ]);
    }
  }
  for (const p of r.pending.filter((x) => x.kind === kind)) {
    rows.push([p.name, '–', p.note, ...QUERY_HEAD.slice(3).map(() => '–')]);
  }
  return rows;
}
export const QUERY_HEAD = [
  'class',
  'conc.',
  'GraphQL p50 / p95 / p99 ms',
  'GraphQL req/s',
  'Cypher p50 / p95 / p99 ms',
  'Cypher req/s',
  'ours/raw p50',
  'peer p50 / p95 / p99 ms',
  'peer req/s',
  'ours/peer p50',
  'req/s ours/peer',
  'DB round trips',
  'depth',
];

export function cacheRows(cache: CacheResult): string[][] {
  const rows: string[][] = [];
  for (const c of cache.classes) {
    for (const on of c.on) {
      const off = c.off.find((x) => x.concurrency === on.concurrency);
      rows.push([
        c.name,
        String(on.concurrency),
        off ? `${ms(off.p50)} / ${ms(off.p95)} / ${ms(off.p99)}` : '–',
        off ? n0(off.rps) : '–',
        `${ms(on.p50)} / ${ms(on.p95)} / ${ms(on.p99)}`,
        n0(on.rps),
        off ? times(off.p50, on.p50, 1) : '–',
        off ? times(on.rps, off.rps, 1) : '–',
      ]);
    }
  }
  return rows;
}
export const CACHE_HEAD = [
  'class',
  'conc.',
  'cache off p50 / p95 / p99 ms',
  'off req/s',
  'cache on p50 / p95 / p99 ms',
  'on req/s',
  'p50 off / on',
  'req/s on / off',
];

const memoryLine = (m: Memory) =>
  `${mb(m.before)} after start-up, ${mb(m.after)} after the load, peak ${mb(m.peak)}`;

function cacheSection(r: Results): string[] {
  const c = r.cache;
  if (!c) return ['Response cache on vs off: not measured in this run.'];
  return [
    '#### Response cache on vs off',
    '',
    `A second API process with \`RESPONSE_CACHE_TTL_MS=${c.ttlMs}\` (everything above ran with \`0\`, the cache off), ` +
      `over the same data: ${c.load.warmupSeconds} s warm-up then ${c.load.seconds} s per point, concurrency ${c.load.concurrency.join(', ')}. ` +
      'The "off" columns are the numbers above. With the cache on, the first request of each class must carry the ' +
      'answer checked above, the second must come from the cache (`dbRoundTrips` 0) with the same answer, and every ' +
      'timed response must equal that cached response byte for byte.',
    '',
    table(CACHE_HEAD, cacheRows(c)),
    '',
    `API process memory (RSS), cache off (main pass, every class above): ${memoryLine(c.memoryOff)}. ` +
      `Cache on (only the ${c.classes.length} classes in this table): ${memoryLine(c.memoryOn)}.`,
  ];
}

function section(r: Results): string {
  const m = r.machine;
  const parts = [
    `### ${r.mode === 'full' ? 'Full run' : 'Quick run (`--quick`: shorter load, fewer steps; indicative only)'}`,
    '',
    `- Date: ${r.date} (took ${r.totalSeconds.toFixed(0)} s)`,
    `- Command: \`${r.command}\``,
    `- Machine: ${m.cpu}, ${m.cores} cores, ${mb(m.memoryBytes)} memory, ${m.os}`,
    `- Load average (1 min) ${m.loadAverage.start.toFixed(2)} at the start, ${m.loadAverage.end.toFixed(2)} at the end: anything above 0 is other work sharing the ${m.cores} cores`,
    `- Node ${m.node}; Neo4j ${m.neo4j} at ${m.neo4jUri} (${m.neo4jMemory})`,
    `- Load: autocannon over loopback, ${r.load.warmupSeconds} s warm-up (discarded) then ${r.load.seconds} s per point in four slices taken in turns with raw Cypher and the peer, concurrency ${r.load.concurrency.join(', ')}`,
    '',
    '#### Import',
    '',
    `Floor: reading ${path.basename(r.floor.file)} (${mb(r.floor.bytes)}) takes ${ms(r.floor.readMs)} ms and \`JSON.parse\` ${ms(r.floor.parseMs)} ms (best of 3, this process).`,
    '',
    table(IMPORT_HEAD, importRows(r)),
    '',
    '"wall" runs from the start of the import to its commit inside the importer process (Node and tsx start-up excluded); ' +
      '"in Neo4j" is the sum of its statements\' round trips (commit excluded; a statement is sent while the one before it runs, so the sum can exceed the wall time); peak RSS is the importer process\'s.',
    '',
    ...r.checks.map((c) => `- ${c.ok ? 'OK' : '**FAILED**'}: ${c.what}${c.detail ? ` (${c.detail})` : ''}`),
    '',
    '#### Queries',
    '',
    "Every class's GraphQL answer was compared with its raw Cypher answer before timing, and every timed " +
      'response had to equal the checked one byte for byte. Latencies in ms; "ours/raw p50" is GraphQL p50 / Cypher p50 at the same concurrency. ' +
      '"peer" is `@neo4j/graphql` over the same database, served the same way (graphql-yoga on node:http, its own process; bench/peer/), ' +
      'asked the same question wherever it has an equivalent query; its answer, normalised, was compared with ours before timing. ' +
      '"ours/peer p50" below 1 and "req/s ours/peer" above 1 mean the API is faster. ' +
      '"DB round trips" is the response\'s `extensions.dbRoundTrips` (with `CONSISTENT_READS` each batch also reads the data version, in the same round trip); ' +
      '"depth" is the levels of data the operation asks for (nested fields with a selection, `edges`/`node`/`nodes` not counted), ' +
      'and (!) marks a class whose round trips exceed it. The response cache is off.',
    '',
    table(QUERY_HEAD, queryRows(r, 'core')),
    '',
    '#### Analyst queries',
    '',
    `One class per analyst query family in the README, with the README's example (overlap is \`analyst-overlap\` above): ` +
      `${r.analystLoad.warmupSeconds} s warm-up then ${r.analystLoad.seconds} s per point, concurrency ${r.analystLoad.concurrency.join(', ')}. ` +
      'None has a raw Cypher twin (hence no ratio): before timing, each answer must have no errors, no unknown inputs, and a non-empty result ' +
      '(the changes classes: a 17.1 → 18.1 comparison); every timed response had to equal it byte for byte.',
    '',
    table(QUERY_HEAD, queryRows(r, 'analyst')),
    '',
    `API process memory (RSS), main pass: ${memoryLine(r.memory)}.`,
    '',
    ...cacheSection(r),
    '',
    ...(r.cpu ? [...cpuLines(r.cpu), ''] : []),
    ...(r.workers ? [...workersLines(r.workers), ''] : []),
    '<details><summary>The queries</summary>',
    '',
    ...r.classes.flatMap((c) => [
      `**${c.name}**: ${c.title} (${c.responseBytes.toLocaleString('en-US')} bytes per response)`,
      '',
      '```graphql',
      c.graphql,
      '```',
      '',
      ...(c.cypher ? ['```cypher', c.cypher, '```', ''] : []),
    ]),
    '</details>',
  ];
  return parts.join('\n');
}

const markers = (mode: string) => [`<!-- bench:${mode}:start -->`, `<!-- bench:${mode}:end -->`] as const;

const SKELETON = `# Benchmarks

Generated by \`npm run bench\`; the sections between the bench markers are rewritten by each run of
their mode, the rest of this file is written by hand.

## Full run

${markers('full').join('\n_Not run yet._\n')}

## Quick run

${markers('quick').join('\n_Not run yet._\n')}
`;

/** Replaces this mode's section of the doc, leaving everything else (and the other mode) alone. */
export async function writeDoc(file: string, r: Results): Promise<void> {
  const text = existsSync(file) ? await readFile(file, 'utf8') : SKELETON;
  const [start, end] = markers(r.mode);
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${file} has no ${start} … ${end} section to replace`);
  const next = `${text.slice(0, a + start.length)}\n${section(r)}\n${text.slice(b)}`;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, next);
}

/** Plain-text tables for the terminal. */
export function printTables(r: Results, print: (line: string) => void): void {
  const text = (head: string[], rows: string[][]) => {
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
    const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
    print(fmt(head));
    print(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const row of rows) print(fmt(row));
  };
  print('');
  print(
    `${r.mode} run, ${r.totalSeconds.toFixed(0)} s; load average ${r.machine.loadAverage.start.toFixed(2)} → ${r.machine.loadAverage.end.toFixed(2)} on ${r.machine.cores} cores`,
  );
  print(`Import (floor: JSON.parse ${ms(r.floor.parseMs)} ms, read ${ms(r.floor.readMs)} ms)`);
  text(IMPORT_HEAD, importRows(r));
  for (const c of r.checks) print(`${c.ok ? 'OK ' : 'FAILED '} ${c.what}${c.detail ? ` (${c.detail})` : ''}`);
  print('');
  print('Queries (latency ms, response cache off)');
  text(QUERY_HEAD, queryRows(r, 'core'));
  print('');
  print('Analyst queries (latency ms, response cache off)');
  text(QUERY_HEAD, queryRows(r, 'analyst'));
  print('');
  print(`API RSS, cache off: ${memoryLine(r.memory)}`);
  if (r.cache) {
    print('');
    print(`Response cache on vs off (RESPONSE_CACHE_TTL_MS=${r.cache.ttlMs})`);
    text(CACHE_HEAD, cacheRows(r.cache));
    print(`API RSS, cache on (${r.cache.classes.length} classes): ${memoryLine(r.cache.memoryOn)}`);
  }
  if (r.cpu) {
    print('');
    for (const line of cpuLines(r.cpu)) print(line);
  }
  if (r.workers) {
    print('');
    for (const line of workersLines(r.workers)) print(line);
  }
}
