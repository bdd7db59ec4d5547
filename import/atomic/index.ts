import type { Executor } from '../../src/neo4j/executor.ts';
import { type AtomicLoadResult, loadAtomic, type UnknownId } from './load.ts';
import { readAtomic } from './read.ts';

export { AtomicInputError } from './parse.ts';

/** The prefix of an Atomic source on the import command line: `atomic:<index.csv | dir>`. */
export const ATOMIC_PREFIX = 'atomic:';

export interface AtomicReport extends AtomicLoadResult {
  kind: 'atomic';
  source: string;
  files: string[];
  sha256: string;
  tests: number;
  /** Tests per platform (a test may run on several); tests no platform file lists count as `none`. */
  platforms: Record<string, number>;
  ms: number;
}

/**
 * `atomic:<path>`: reads and checks the whole index first (a bad file writes nothing), then loads
 * it in one transaction.
 */
export async function importAtomic(executor: Executor, spec: string): Promise<AtomicReport> {
  const started = performance.now();
  const source = spec.startsWith(ATOMIC_PREFIX) ? spec.slice(ATOMIC_PREFIX.length) : spec;
  const input = await readAtomic(source);
  const result = await loadAtomic(executor, input);
  const platforms: Record<string, number> = {};
  for (const t of input.tests) {
    for (const p of t.platforms.length ? t.platforms : ['none']) platforms[p] = (platforms[p] ?? 0) + 1;
  }
  return {
    kind: 'atomic',
    source,
    files: input.files,
    sha256: input.sha256,
    tests: input.tests.length,
    platforms,
    ...result,
    ms: performance.now() - started,
  };
}

const listUnknown = (ids: UnknownId[]) =>
  ids.map((u) => (u.knownIn.length ? `${u.id} (in ${u.knownIn.join(', ')})` : u.id)).join(', ');

/** The report as the CLI prints it. */
export function formatAtomicReport(r: AtomicReport): string {
  const lines = [
    `atomic:${r.source} -> Atomic index (${r.files.join(', ')}; sha256 ${r.sha256.slice(0, 12)}…)`,
    `  tests: ${r.tests}; per platform: ${Object.entries(r.platforms)
      .map(([p, n]) => `${p} ${n}`)
      .join(', ')}`,
    r.changed
      ? `  changes: ${r.added} added, ${r.updated} updated, ${r.removed} removed (run ${r.runId})`
      : '  unchanged: the graph already holds this index; nothing written',
  ];
  const against = r.release ? `ATT&CK ${r.release}` : 'the graph (no ATT&CK release imported)';
  if (r.unknownTechniques.length)
    lines.push(
      `  technique IDs unknown in ${against}: ${r.unknownTechniques.length}: ${listUnknown(r.unknownTechniques)}`,
    );
  if (r.unknownTactics.length)
    lines.push(`  tactics unknown in ${against}: ${listUnknown(r.unknownTactics)}`);
  lines.push(`  time: ${r.ms.toFixed(0)} ms`);
  return lines.join('\n');
}
