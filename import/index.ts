import { z } from 'zod';
import { type ChangeSummary, summarize } from '../src/change-log.ts';
import type { Domain } from '../src/model.ts';
import type { Executor } from '../src/neo4j/executor.ts';
import { newestRelease } from '../src/releases/order.ts';
import { findHolders, type Linked, linkReferences } from './cross-references.ts';
import { READ_DOMAIN_RELEASES } from './cypher.ts';
import type { ImportLimits } from './download.ts';
import { ImportError } from './errors.ts';
import { readKnown } from './existing.ts';
import { ensureAttackSchema, type LoadResult, loadRows, type RunInfo } from './load.ts';
import type { OfficialOptions } from './official.ts';
import { readSource, type SourceData } from './read.ts';
import { asKnown, classify, type Defect, outsideReferences, type References } from './references.ts';
import { releaseModified, UNVERSIONED } from './releases.ts';
import { detectDomain } from './rows.ts';
import { type GraphRows, transform } from './transform.ts';
import { rowsDigest } from './unchanged.ts';
import { type Problem, type Validated, validateObjects } from './validate.ts';

export { ImportError } from './errors.ts';
export { ensureOrdinals } from './ordinals.ts';

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
  /** The release snapshot the bundle was (or would have been) written to: see releaseOf. */
  release: string;
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
  if (options.strict && options.relaxed)
    throw new ImportError(`${source}: choose strict or relaxed, not both`);
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
    readSource(source, {
      addedAfter: options.addedAfter,
      limits: options.limits,
      official: options.official,
    }),
  );
  for (const note of data.notes) options.onNote?.({ source, note });
  const { validated, domain } = await timed('validate', () => validateSource(data));
  const release = await releaseOf(executor, data, domain, merge);
  const { rows, refs } = await timed('transform', async () => {
    const known = merge ? await readKnown(executor, domain, release) : [];
    // Relationships that point out of the bundle: their ends may be in the graph (another domain).
    const inBundle = new Set(data.objects.map((o) => (o as { id?: unknown } | null)?.id));
    for (const k of known) inBundle.add(k.stixId);
    const outside = outsideReferences(validated.objects, (id) => inBundle.has(id));
    const holders = await findHolders({ run: (q, p) => executor.read(q, p) }, outside, { domain, release });
    const rows = transform(validated.objects, domain, [...known, ...asKnown(holders)]);
    return { rows, refs: classify(outside, holders, rows.problems) };
  });
  const report = buildReport(data, domain, validated, rows, refs, options, ms);
  report.release = release;
  if (report.problems.length && !options.relaxed) throw new InvalidBundleError(report);

  let linked = null as Linked | null;
  const result = await timed('load', async () => {
    progress('schema');
    await ensureAttackSchema(executor);
    return loadRows(
      executor,
      rows,
      {
        ...runInfo(data, options, release),
        // An incremental pull holds part of the domain: it is always compared with the graph.
        digest: merge ? null : rowsDigest(rows, refs.records, refs.defects),
        afterWrites: async (tx) => {
          linked = await linkReferences(tx, {
            domain,
            release,
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
  });
  report.changed = result.changed;
  report.runId = result.runId;
  report.counts = result.counts;
  report.summary = summarize(result.plan.changes);
  for (const c of (result.changed && linked?.completed) || [])
    report.notes.push(`${c.stixId} of ${c.domain} written: this bundle holds the end it lacked`);
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

/**
 * The snapshot a bundle goes to: its ATT&CK version, else `0`. An incremental pull without one
 * (TAXII pages rarely carry the collection) updates the domain's newest release instead.
 */
async function releaseOf(executor: Executor, data: SourceData, domain: Domain, merge: boolean) {
  if (data.attackVersion) return data.attackVersion;
  if (!merge) return UNVERSIONED;
  const held = z
    .array(z.object({ release: z.string() }))
    .parse(await executor.read(READ_DOMAIN_RELEASES, { domain }));
  return newestRelease(held.map((h) => h.release)) ?? UNVERSIONED;
}

function runInfo(data: SourceData, options: ImportOptions, release: string): Omit<RunInfo, 'digest'> {
  return {
    source: data.source,
    location: data.location,
    sha256: data.sha256,
    attackVersion: data.attackVersion,
    release,
    modified: releaseModified(data.objects),
    startedAt: new Date().toISOString(),
    mode: options.strict ? 'strict' : options.relaxed ? 'relaxed' : 'default',
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
  refs: References,
  options: ImportOptions,
  ms: ImportReport['ms'],
): ImportReport {
  // By default a relationship that points out of the bundle is a reported defect, not a problem.
  const problems = [...validated.problems, ...(options.strict ? rows.problems : refs.problems)];
  const rejectedIds = new Set(problems.map((p, i) => p.stixId ?? `#${i}`));
  const unknown = total(validated.unknownTypes) + total(rows.unknownRelationshipTypes);
  const ignored = validated.ignored;
  const input = data.objects.length;
  const pending = options.strict ? 0 : refs.defects.filter((d) => !d.written).length;
  return {
    source: data.source,
    location: data.location,
    domain,
    attackVersion: data.attackVersion,
    release: data.attackVersion ?? UNVERSIONED,
    sha256: data.sha256,
    input,
    loaded: input - ignored - unknown - rejectedIds.size - pending,
    ignored,
    unknown,
    rejected: rejectedIds.size,
    pending,
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
