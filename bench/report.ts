import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
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
  title: string;
  graphql: string;
  cypher: string;
  dbRoundTrips: number;
  responseBytes: number;
  http: LoadResult[];
  cypherLoad: LoadResult[];
}

export interface Results {
  mode: 'full' | 'quick';
  command: string;
  date: string;
  totalSeconds: number;
  machine: Machine;
  load: { seconds: number; warmupSeconds: number; concurrency: number[] };
  floor: { file: string; bytes: number; readMs: number; parseMs: number };
  imports: ImportStep[];
  checks: Array<{ what: string; ok: boolean; detail: string }>;
  classes: ClassResult[];
  pending: Array<{ name: string; note: string }>;
  memory: { before: number; after: number; peak: number };
  /** Set once a response cache exists; until then the report says so. */
  cache: string;
}

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
    `${ms(s.phaseMs.read)} / ${ms(s.phaseMs.validate)} / ${ms(s.phaseMs.load)}`,
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
  'read / validate+transform / load ms',
  'objects/s',
  'peak RSS',
  'changes',
];

export function queryRows(r: Results): string[][] {
  const rows: string[][] = [];
  for (const c of r.classes) {
    for (const h of c.http) {
      const raw = c.cypherLoad.find((x) => x.concurrency === h.concurrency);
      rows.push([
        c.name,
        String(h.concurrency),
        `${ms(h.p50)} / ${ms(h.p95)} / ${ms(h.p99)}`,
        n0(h.rps),
        raw ? `${ms(raw.p50)} / ${ms(raw.p95)} / ${ms(raw.p99)}` : '–',
        raw ? n0(raw.rps) : '–',
        raw ? `${ratio(c, h.concurrency).toFixed(2)}×` : '–',
        String(c.dbRoundTrips),
      ]);
    }
  }
  for (const p of r.pending) rows.push([p.name, '–', p.note, '–', '–', '–', '–', '–']);
  return rows;
}
export const QUERY_HEAD = [
  'class',
  'conc.',
  'GraphQL p50 / p95 / p99 ms',
  'GraphQL req/s',
  'Cypher p50 / p95 / p99 ms',
  'Cypher req/s',
  'p50 ratio',
  'DB round trips',
];

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
    `- Load: autocannon over loopback, ${r.load.warmupSeconds} s warm-up (discarded) then ${r.load.seconds} s per point, concurrency ${r.load.concurrency.join(', ')}`,
    '',
    '#### Import',
    '',
    `Floor: reading ${path.basename(r.floor.file)} (${mb(r.floor.bytes)}) takes ${ms(r.floor.readMs)} ms and \`JSON.parse\` ${ms(r.floor.parseMs)} ms (best of 3, this process).`,
    '',
    table(IMPORT_HEAD, importRows(r)),
    '',
    '"wall" runs from the start of the import to its commit inside the importer process (Node and tsx start-up excluded); ' +
      '"in Neo4j" is the sum of its statements\' round trips (commit excluded); peak RSS is the importer process\'s.',
    '',
    ...r.checks.map((c) => `- ${c.ok ? 'OK' : '**FAILED**'}: ${c.what}${c.detail ? ` (${c.detail})` : ''}`),
    '',
    '#### Queries',
    '',
    "Every class's GraphQL answer was compared with its raw Cypher answer before timing, and every timed " +
      'response had to equal the checked one byte for byte. Latencies in ms; "p50 ratio" is GraphQL p50 / Cypher p50 at the same concurrency.',
    '',
    table(QUERY_HEAD, queryRows(r)),
    '',
    `API process memory (RSS): ${mb(r.memory.before)} after start-up, ${mb(r.memory.after)} after the load, peak ${mb(r.memory.peak)}.`,
    `Response cache on vs off: ${r.cache}.`,
    '',
    '<details><summary>The queries</summary>',
    '',
    ...r.classes.flatMap((c) => [
      `**${c.name}**: ${c.title} (${c.responseBytes.toLocaleString('en-US')} bytes per response)`,
      '',
      '```graphql',
      c.graphql,
      '```',
      '',
      '```cypher',
      c.cypher,
      '```',
      '',
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
  print('Queries (latency ms)');
  text(QUERY_HEAD, queryRows(r));
  print('');
  print(
    `API RSS: ${mb(r.memory.before)} before load, ${mb(r.memory.after)} after, peak ${mb(r.memory.peak)}`,
  );
  print(`Response cache on/off: ${r.cache}`);
}
