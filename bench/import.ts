import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Driver } from 'neo4j-driver';
import { PROJECT_ROOT } from '../src/env.ts';

/** What one import child reports (bench/import-child.ts). */
export interface ImportMeasure {
  /** From the start of the import to its commit, inside the child (no process or tsx start-up). */
  wallMs: number;
  /** Sum of the statements' round trips (the executor's `onQuery`): time spent waiting on Neo4j. */
  neo4jMs: number;
  statements: number;
  phaseMs: { read: number; validate: number; transform: number; load: number };
  input: number;
  loaded: number;
  changed: boolean;
  summary: Record<string, number>;
  attackVersion: string | null;
  peakRssBytes: number;
}

export interface ImportStep extends ImportMeasure {
  name: string;
  file: string;
  /** The child process from spawn to exit, including Node and tsx start-up. */
  processMs: number;
}

export interface GraphCounts {
  nodes: Record<string, number>;
  rels: Record<string, number>;
}

/** Empties the database, schema included, so the next import starts from nothing. */
export async function wipe(driver: Driver, database: string): Promise<void> {
  // CALL … IN TRANSACTIONS needs an auto-commit transaction: a session's run, not executeQuery.
  const session = driver.session({ database });
  try {
    await session.run('MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS');
  } finally {
    await session.close();
  }
  const { records: constraints } = await driver.executeQuery('SHOW CONSTRAINTS YIELD name', {}, { database });
  for (const r of constraints) {
    await driver.executeQuery(`DROP CONSTRAINT \`${r.get('name')}\` IF EXISTS`, {}, { database });
  }
  // Token lookup indexes come with every database: keep them, as a fresh one has them.
  const { records: indexes } = await driver.executeQuery(
    "SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name",
    {},
    { database },
  );
  for (const r of indexes) {
    await driver.executeQuery(`DROP INDEX \`${r.get('name')}\` IF EXISTS`, {}, { database });
  }
}

/**
 * Nodes per label and relationships per type: of the whole graph, or with `current` of the newest
 * release's snapshot only (`:Current`; relationships never leave a snapshot).
 */
export async function graphCounts(driver: Driver, database: string, current = false): Promise<GraphCounts> {
  const node = current ? '(n:Current)' : '(n)';
  const nodes = await driver.executeQuery(
    `MATCH ${node} UNWIND labels(n) AS label RETURN label, count(*) AS n ORDER BY label`,
    {},
    { database },
  );
  const rels = await driver.executeQuery(
    `MATCH ${node}-[r]->() RETURN type(r) AS type, count(*) AS n ORDER BY type`,
    {},
    { database },
  );
  return {
    nodes: Object.fromEntries(nodes.records.map((r) => [r.get('label'), Number(r.get('n'))])),
    rels: Object.fromEntries(rels.records.map((r) => [r.get('type'), Number(r.get('n'))])),
  };
}

/** Reading and `JSON.parse` of the bundle: the floor any importer of this file pays. Best of `runs`. */
export async function parseFloor(file: string, runs = 3): Promise<{ readMs: number; parseMs: number }> {
  let readMs = Number.POSITIVE_INFINITY;
  let parseMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    const text = await readFile(file, 'utf8');
    readMs = Math.min(readMs, performance.now() - t);
    t = performance.now();
    JSON.parse(text);
    parseMs = Math.min(parseMs, performance.now() - t);
  }
  return { readMs, parseMs };
}

/** Imports `file` into the benchmark database in a child process and returns its measures. */
export async function importInChild(name: string, file: string): Promise<ImportStep> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(PROJECT_ROOT, 'bench', 'import-child.ts'), file],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const processMs = performance.now() - started;
  if (code !== 0) throw new Error(`import of ${file} failed (exit ${code}):\n${err.trim() || out.trim()}`);
  const line = out.trim().split('\n').pop() ?? '';
  const measure = JSON.parse(line) as ImportMeasure;
  return { name, file, processMs, ...measure };
}
