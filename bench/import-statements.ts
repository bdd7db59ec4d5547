/**
 * Where an import's time goes, statement by statement: empties the database (schema included, as
 * `npm run bench` does), imports FILE `--fresh` times into an empty database, then re-imports it
 * once, printing each phase (report.ms), each statement of the write transaction (start and end
 * from the transaction's start, rows sent) and the commit. `--floor N` then times, N times, the
 * importer's writes alone (import/load.ts `apply`: the same statements and rows) into an emptied
 * database, in one transaction, without the schema, reads, checks and records around them: what
 * Neo4j takes to write the bundle at all. Uses NEO4J_URI: it DELETES everything.
 *
 *   NEO4J_URI=bolt://127.0.0.1:26687 npx tsx bench/import-statements.ts FILE [--fresh N] [--floor N] [--json]
 */
import { parseArgs } from 'node:util';
import { planLoad } from '../import/diff.ts';
import { importSource } from '../import/index.ts';
import { apply } from '../import/load.ts';
import { readSource } from '../import/read.ts';
import { UNVERSIONED } from '../import/releases.ts';
import { detectDomain } from '../import/rows.ts';
import { transform } from '../import/transform.ts';
import { validateObjects } from '../import/validate.ts';
import { loadConfig } from '../src/env.ts';
import { createDriver } from '../src/neo4j/driver.ts';
import { createExecutor, type Executor } from '../src/neo4j/executor.ts';
import { wipe } from './import.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    fresh: { type: 'string', default: '2' },
    floor: { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
  },
});
const file = positionals[0];
if (!file) throw new Error('usage: import-statements.ts FILE [--fresh N] [--floor N] [--json]');

interface Timing {
  name: string;
  startMs: number;
  endMs: number;
  rows: number;
}
interface RunMeasure {
  name: string;
  wallMs: number;
  phases: Record<string, number>;
  /** Time spent in statements outside the import's write transaction (reads, schema). */
  outside: Timing[];
  statements: Timing[];
  /** From the end of the transaction's work to the commit's answer. */
  commitMs: number;
  changed: boolean;
}

const config = loadConfig().neo4j;
const driver = createDriver(config);
const base = createExecutor(driver, { database: config.database });

/** The executor with every statement and the commit timed. */
function timing(measure: RunMeasure): Executor {
  let t0 = performance.now();
  const count = (p: Record<string, unknown> | undefined) => {
    const rows = p?.rows ?? p?.ids;
    return Array.isArray(rows) ? rows.length : 0;
  };
  const timed = async <T>(list: Timing[], name: string, rows: number, work: () => Promise<T>) => {
    const start = performance.now() - t0;
    try {
      return await work();
    } finally {
      list.push({ name, startMs: start, endMs: performance.now() - t0, rows });
    }
  };
  return {
    ...base,
    read: (q, p, o) => timed(measure.outside, q.name, 0, () => base.read(q, p, o)),
    readBatch: (reads, o) =>
      timed(measure.outside, reads.map((r) => r.query.name).join('+'), 0, () => base.readBatch(reads, o)),
    write: async (name, work) => {
      if (!name.startsWith('import ')) return timed(measure.outside, name, 0, () => base.write(name, work));
      let workEnd = 0;
      const out = await base.write(name, async (tx) => {
        t0 = performance.now();
        measure.statements = [];
        const r = await work({
          run: (q, p) => timed(measure.statements, q.name, count(p), () => tx.run(q, p)),
        });
        workEnd = performance.now();
        return r;
      });
      measure.commitMs = performance.now() - workEnd;
      return out;
    },
  };
}

const measureOf = (name: string): RunMeasure => ({
  name,
  wallMs: 0,
  phases: {},
  outside: [],
  statements: [],
  commitMs: 0,
  changed: false,
});

async function run(name: string): Promise<RunMeasure> {
  const measure = measureOf(name);
  const started = performance.now();
  const report = await importSource(timing(measure), file as string);
  measure.wallMs = performance.now() - started;
  measure.phases = report.ms;
  measure.changed = report.changed;
  return measure;
}

/** The importer's writes of FILE alone, into the emptied database (see the top of this file). */
async function floor(name: string): Promise<RunMeasure> {
  const measure = measureOf(name);
  const data = await readSource(file as string);
  const rows = transform(
    validateObjects(data.objects).objects,
    detectDomain(data.objects) ?? 'enterprise-attack',
  );
  const started = performance.now();
  await timing(measure).write('import floor', (tx) =>
    apply(tx, planLoad(rows, [], []), rows.domain, data.attackVersion ?? UNVERSIONED, () => {}, true, {
      nodes: [],
      ids: new Map(),
    }),
  );
  measure.wallMs = performance.now() - started;
  return measure;
}

const f = (ms: number) => ms.toFixed(0).padStart(6);
function print(m: RunMeasure) {
  const p = Object.entries(m.phases)
    .map(([k, v]) => `${k} ${v.toFixed(0)}`)
    .join(' / ');
  console.log(`\n== ${m.name}: wall ${m.wallMs.toFixed(0)} ms${p ? ` = ${p}; changed ${m.changed}` : ''}`);
  for (const s of m.outside) console.log(`   outside ${f(s.endMs - s.startMs)} ms  ${s.name}`);
  for (const s of m.statements)
    console.log(
      `   tx ${f(s.startMs)} → ${f(s.endMs)} (${f(s.endMs - s.startMs)} ms) ${s.name} ${s.rows || ''}`,
    );
  console.log(`   commit ${f(m.commitMs)} ms`);
}

await driver.verifyConnectivity({ database: config.database });
const runs: RunMeasure[] = [];
try {
  for (let i = 1; i <= Number(values.fresh); i++) {
    await wipe(driver, config.database);
    runs.push(await run(`full, empty DB #${i}`));
  }
  runs.push(await run('re-import, same bundle'));
  for (let i = 1; i <= Number(values.floor); i++) {
    await wipe(driver, config.database);
    runs.push(await floor(`write floor #${i}: the importer's writes alone`));
  }
} finally {
  await base.close();
}
if (values.json) console.log(JSON.stringify(runs));
else runs.forEach(print);
