import { type ChangeSummary, summarize } from '../src/change-log.ts';
import type { Executor } from '../src/neo4j/executor.ts';
import { findHolders, type Linked, linkReferences } from './cross-references.ts';
import type { ImportLimits } from './download.ts';
import { ImportError } from './errors.ts';
import { ensureSchema, type LoadResult, loadRows, READ_KNOWN } from './load.ts';
import type { OfficialOptions } from './official.ts';
import { readSource } from './read.ts';
import { asKnown, classify, type Defect, outsideReferences } from './references.ts';
import { detectDomain } from './rows.ts';
import { type KnownObject, transform } from './transform.ts';
import { type Problem, validateObjects } from './validate.ts';

export { ImportError } from './errors.ts';

export interface ImportOptions {
  /** Skip invalid objects (each listed) instead of refusing the whole bundle. */
  relaxed?: boolean;
  /**
   * Also refuse a bundle with a relationship whose end is neither in the bundle nor in the graph
   * (a defect MITRE's own releases have: by default it is reported and held, see references.ts).
   */
  strict?: boolean;
  /**
   * TAXII sources: only objects added after this timestamp. Such a pull is incremental: it adds and
   * updates what it carries and removes nothing.
   */
  addedAfter?: string;
  /** Size cap, timeouts and page bound of downloads: `config.import`; the defaults otherwise. */
  limits?: ImportLimits;
  /** `attack:<domain>` sources: base URL, cache and local fallback (`config.attack`); none otherwise. */
  official?: OfficialOptions;
  /** Called at once with what the user should know about the read, such as a fallback to a local file. */
  onNote?: (event: { source: string; note: string }) => void;
  onProgress?: (event: { source: string; phase: string; detail?: string }) => void;
}

export interface ImportReport {
  source: string;
  location: string;
  domain: string | null;
  attackVersion: string | null;
  sha256: string;
  /** input = loaded + ignored + unknown + rejected + pending */
  input: number;
  loaded: number;
  ignored: number;
  unknown: number;
  rejected: number;
  /** Relationships held back: an end is in neither the bundle nor the graph (see `defects`). */
  pending: number;
  unknownTypes: Record<string, number>;
  problems: Problem[];
  /** Relationships that point out of the bundle: reported, and written once the graph holds their ends. */
  defects: Defect[];
  notes: string[];
  changed: boolean;
  runId: string | null;
  summary: ChangeSummary;
  counts: LoadResult['counts'] | null;
  ms: { read: number; validate: number; load: number };
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
  if (options.strict && options.relaxed)
    throw new ImportError(`${source}: choose strict or relaxed, not both`);
  let t = performance.now();
  progress('read');
  const data = await readSource(source, {
    addedAfter: options.addedAfter,
    limits: options.limits,
    official: options.official,
  });
  for (const note of data.notes) options.onNote?.({ source, note });
  const readMs = performance.now() - t;

  t = performance.now();
  progress('validate');
  const validated = validateObjects(data.objects);
  const domain = detectDomain(data.objects);
  if (!domain)
    throw new ImportError(`${source}: cannot tell the ATT&CK domain: no matrix and no x_mitre_domains`);
  const merge = Boolean(options.addedAfter);
  const known = merge ? ((await executor.read(READ_KNOWN, { domain })) as unknown as KnownObject[]) : [];
  const inBundle = new Set(data.objects.map((o) => (o as { id?: unknown } | null)?.id));
  for (const k of known) inBundle.add(k.stixId);
  const outside = outsideReferences(validated.objects, (id) => inBundle.has(id));
  const holders = await findHolders({ run: (q, p) => executor.read(q, p) }, outside, {
    domain,
    release: data.attackVersion,
  });
  const rows = transform(validated.objects, domain, [...known, ...asKnown(holders)]);
  const refs = classify(outside, holders, rows.problems);
  const problems = [...validated.problems, ...(options.strict ? rows.problems : refs.problems)];
  const rejectedIds = new Set(problems.map((p, i) => p.stixId ?? `#${i}`));
  const unknown =
    Object.values(validated.unknownTypes).reduce((a, b) => a + b, 0) +
    Object.values(rows.unknownRelationshipTypes).reduce((a, b) => a + b, 0);
  const report: ImportReport = {
    source,
    location: data.location,
    domain,
    attackVersion: data.attackVersion,
    sha256: data.sha256,
    input: data.objects.length,
    loaded: 0,
    ignored: validated.ignored,
    unknown,
    rejected: rejectedIds.size,
    pending: options.strict ? 0 : refs.defects.filter((d) => !d.written).length,
    unknownTypes: {
      ...validated.unknownTypes,
      ...Object.fromEntries(
        Object.entries(rows.unknownRelationshipTypes).map(([k, v]) => [`relationship:${k}`, v]),
      ),
    },
    problems,
    defects: refs.defects,
    notes: [...data.notes, ...rows.notes],
    changed: false,
    runId: null,
    summary: {},
    counts: null,
    ms: { read: readMs, validate: performance.now() - t, load: 0 },
  };
  report.loaded = report.input - report.ignored - report.unknown - report.rejected - report.pending;
  if (problems.length && !options.relaxed) throw new InvalidBundleError(report);

  t = performance.now();
  let linked = null as Linked | null;
  progress('schema');
  await ensureSchema(executor);
  const result = await loadRows(
    executor,
    rows,
    {
      source,
      location: data.location,
      sha256: data.sha256,
      attackVersion: data.attackVersion,
      startedAt: new Date().toISOString(),
      mode: options.strict ? 'strict' : options.relaxed ? 'relaxed' : 'default',
      merge,
      afterWrites: async (tx) => {
        linked = await linkReferences(tx, {
          domain,
          release: data.attackVersion,
          merge,
          defects: refs.defects,
          records: refs.records,
        });
        return {
          written: linked.written,
          run: {
            defectsJson: refs.defects.length ? JSON.stringify(refs.defects) : null,
            completedJson: linked.completed.length ? JSON.stringify(linked.completed) : null,
          },
        };
      },
    },
    progress,
  );
  report.ms.load = performance.now() - t;
  report.changed = result.changed;
  report.runId = result.runId;
  report.counts = result.counts;
  report.summary = summarize(result.plan.changes);
  for (const c of (result.changed && linked?.completed) || [])
    report.notes.push(`${c.stixId} of ${c.domain} written: this bundle holds the end it lacked`);
  progress('done');
  return report;
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
