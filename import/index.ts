import type { Domain } from '../src/model.ts';
import type { Executor } from '../src/neo4j/executor.ts';
import type { ImportLimits } from './download.ts';
import { ImportError } from './errors.ts';
import { readKnown } from './existing.ts';
import { ensureSchema, type LoadResult, loadRows, type RunInfo } from './load.ts';
import { readSource, type SourceData } from './read.ts';
import { detectDomain } from './rows.ts';
import { type GraphRows, transform } from './transform.ts';
import { type Problem, type Validated, validateObjects } from './validate.ts';

export { ImportError } from './errors.ts';

export interface ImportOptions {
  /** Skip invalid objects (each listed) instead of refusing the whole bundle. */
  relaxed?: boolean;
  /**
   * TAXII sources: only objects added after this timestamp. Such a pull is incremental: it adds and
   * updates what it carries and removes nothing.
   */
  addedAfter?: string;
  /** Size cap, timeouts and page bound of downloads: `config.import`; the defaults otherwise. */
  limits?: ImportLimits;
  onProgress?: (event: { source: string; phase: string; detail?: string }) => void;
}

export interface ImportReport {
  source: string;
  location: string;
  domain: string | null;
  attackVersion: string | null;
  sha256: string;
  /** input = loaded + ignored + unknown + rejected */
  input: number;
  loaded: number;
  ignored: number;
  unknown: number;
  rejected: number;
  unknownTypes: Record<string, number>;
  problems: Problem[];
  notes: string[];
  changed: boolean;
  runId: string | null;
  summary: Record<string, number>;
  counts: LoadResult['counts'] | null;
  /** Each stage's wall time; `load` includes the schema check and the commit. */
  ms: { read: number; validate: number; transform: number; load: number };
}

/** A strict import found problems: nothing was written. The report lists every one. */
export class InvalidBundleError extends ImportError {
  constructor(readonly report: ImportReport) {
    const first = report.problems[0];
    super(
      `${report.source}: ${report.problems.length} problem(s), nothing imported; first: ` +
        (first ? formatProblem(first) : 'unknown'),
    );
  }
}

export function formatProblem(p: Problem): string {
  const who = [p.attackId, p.stixId ?? '(no id)'].filter(Boolean).join(' ');
  return `${who}: ${p.path}: ${p.expected}`;
}

/** Imports one source into the graph: read -> validate -> transform -> load, atomically. */
export async function importSource(
  executor: Executor,
  source: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const progress = (phase: string, detail?: string) => options.onProgress?.({ source, phase, detail });
  const ms = { read: 0, validate: 0, transform: 0, load: 0 };
  const timed = async <T>(phase: keyof typeof ms, work: () => T | Promise<T>): Promise<T> => {
    progress(phase);
    const start = performance.now();
    try {
      return await work();
    } finally {
      ms[phase] += performance.now() - start;
    }
  };
  const merge = Boolean(options.addedAfter);

  const data = await timed('read', () =>
    readSource(source, { addedAfter: options.addedAfter, limits: options.limits }),
  );
  const { validated, domain } = await timed('validate', () => validateSource(data));
  const rows = await timed('transform', async () =>
    transform(validated.objects, domain, merge ? await readKnown(executor, domain) : []),
  );
  const report = buildReport(data, domain, validated, rows, ms);
  if (report.problems.length && !options.relaxed) throw new InvalidBundleError(report);

  const result = await timed('load', async () => {
    progress('schema');
    await ensureSchema(executor);
    return loadRows(executor, rows, runInfo(data, options), progress);
  });
  report.changed = result.changed;
  report.runId = result.runId;
  report.counts = result.counts;
  for (const c of result.plan.changes) report.summary[c.change] = (report.summary[c.change] ?? 0) + 1;
  progress('done');
  return report;
}

/** Validates every object and finds the bundle's domain, without which nothing can be loaded. */
function validateSource(data: SourceData): { validated: Validated; domain: Domain } {
  const validated = validateObjects(data.objects);
  const domain = detectDomain(data.objects);
  if (!domain)
    throw new ImportError(`${data.source}: cannot tell the ATT&CK domain: no matrix and no x_mitre_domains`);
  return { validated, domain };
}

function runInfo(data: SourceData, options: ImportOptions): RunInfo {
  return {
    source: data.source,
    location: data.location,
    sha256: data.sha256,
    attackVersion: data.attackVersion,
    startedAt: new Date().toISOString(),
    mode: options.relaxed ? 'relaxed' : 'strict',
    merge: Boolean(options.addedAfter),
  };
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** What the import found before loading: every object accounted for, and every problem listed. */
function buildReport(
  data: SourceData,
  domain: Domain,
  validated: Validated,
  rows: GraphRows,
  ms: ImportReport['ms'],
): ImportReport {
  const problems = [...validated.problems, ...rows.problems];
  const rejectedIds = new Set(problems.map((p, i) => p.stixId ?? `#${i}`));
  const unknown = total(validated.unknownTypes) + total(rows.unknownRelationshipTypes);
  const ignored = validated.ignored;
  const input = data.objects.length;
  return {
    source: data.source,
    location: data.location,
    domain,
    attackVersion: data.attackVersion,
    sha256: data.sha256,
    input,
    loaded: input - ignored - unknown - rejectedIds.size,
    ignored,
    unknown,
    rejected: rejectedIds.size,
    unknownTypes: {
      ...validated.unknownTypes,
      ...Object.fromEntries(
        Object.entries(rows.unknownRelationshipTypes).map(([k, v]) => [`relationship:${k}`, v]),
      ),
    },
    problems,
    notes: rows.notes,
    changed: false,
    runId: null,
    summary: {},
    counts: null,
    ms,
  };
}

/** Imports several sources in order, each in its own transaction; stops at the first failure. */
export async function importSources(
  executor: Executor,
  sources: string[],
  options: ImportOptions = {},
): Promise<ImportReport[]> {
  const reports: ImportReport[] = [];
  for (const source of sources) reports.push(await importSource(executor, source, options));
  return reports;
}
