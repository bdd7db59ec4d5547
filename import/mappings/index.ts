import { createHash } from 'node:crypto';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Executor } from '../../src/neo4j/executor.ts';
import { DEFAULT_LIMITS, download, type ImportLimits, readCapped } from '../download.ts';
import { ImportError } from '../errors.ts';
import { ensureSchema } from '../graph-schema.ts';
import { decodeUtf8 } from '../read-text.ts';
import { type LoadOutcome, loadMappingSet, MAPPING_SCHEMA, removeMappingSets } from './load.ts';
import { formatMappingProblem, type MappingProblem, validateMappingFile } from './schema.ts';
import { type MappingSet, transformMappingFile } from './transform.ts';

/*
 * `npm run import -- <mapping file | directory | URL>`: Mappings Explorer files, each validated
 * (all files first: one bad file writes nothing), then written one transaction per file.
 */

export const MAPPINGS_PREFIX = 'mappings:';

/** Published file names: `nist_800_53-rev5_attack-16.1-enterprise.json`. */
const PUBLISHED_NAME = /_attack-\d+(\.\d+)*-(enterprise|mobile|ics)\.json$/;
/** A mapping file starts with its `metadata` (or `mapping_objects`); a STIX bundle does not. */
const MAPPING_HEAD = /^\s*\{\s*"(metadata|mapping_objects)"\s*:/;

export class InvalidMappingError extends ImportError {
  constructor(readonly problems: MappingProblem[]) {
    const shown = problems.slice(0, 20).map(formatMappingProblem);
    super(
      `not a valid mapping file; nothing was written:\n  ${shown.join('\n  ')}${problems.length > 20 ? `\n  ... and ${problems.length - 20} more` : ''}`,
    );
  }
}

export interface MappingReport {
  source: string;
  framework: string;
  domain: string;
  version: string;
  attackVersion: string;
  sha256: string;
  outcome: LoadOutcome;
  previousVersion: string | null;
  runId: string | null;
  mappings: number;
  controls: number;
  techniques: number;
  unmappableTechniques: number;
  unmappableControls: number;
  /** Entries with a mapping type but one end missing, kept as "no mapping". */
  incomplete: MappingSet['incomplete'];
}

async function head(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Whether a CLI source is control mappings rather than STIX: the `mappings:` prefix, a directory, a
 * URL with a published mapping file name, or a local file that starts like one.
 */
export async function isMappingSource(source: string): Promise<boolean> {
  if (source.startsWith(MAPPINGS_PREFIX)) return true;
  if (/^https?:\/\//.test(source)) return PUBLISHED_NAME.test(new URL(source).pathname);
  if (/^[a-z+]+:/.test(source) && !/^[A-Za-z]:[\\/]/.test(source)) return false;
  const info = await stat(source).catch(() => null);
  if (!info) return false;
  if (info.isDirectory()) return true;
  return MAPPING_HEAD.test(await head(source).catch(() => ''));
}

interface Read {
  source: string;
  bytes: Buffer;
}

async function readOne(source: string, limits: ImportLimits): Promise<Read> {
  if (/^https?:\/\//.test(source))
    return {
      source,
      bytes: await download(source, {
        accept: 'application/json',
        limits,
        refused: (status, text) => `cannot fetch ${source}: HTTP ${status} ${text}`,
      }),
    };
  const file = path.resolve(source);
  const bytes = await readCapped(file, limits).catch((err: NodeJS.ErrnoException) => {
    if (err instanceof ImportError) throw err;
    throw new ImportError(`cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  return { source: file, bytes };
}

/** The files of a source: the file or URL itself, or a directory's mapping files (others are skipped). */
async function readAll(source: string, limits: ImportLimits): Promise<{ reads: Read[]; skipped: string[] }> {
  const target = source.startsWith(MAPPINGS_PREFIX) ? source.slice(MAPPINGS_PREFIX.length) : source;
  const info = /^https?:\/\//.test(target) ? null : await stat(target).catch(() => null);
  if (!info?.isDirectory()) return { reads: [await readOne(target, limits)], skipped: [] };
  const names = (await readdir(target)).filter((n) => n.endsWith('.json')).sort();
  const reads: Read[] = [];
  const skipped: string[] = [];
  for (const name of names) {
    const file = path.resolve(target, name);
    // A directory may hold the schema or a README beside the mappings: only mapping files are read.
    if (MAPPING_HEAD.test(await head(file))) reads.push(await readOne(file, limits));
    else skipped.push(file);
  }
  if (reads.length === 0)
    throw new ImportError(`${path.resolve(target)}: no mapping files (*.json starting with "metadata")`);
  return { reads, skipped };
}

/** Parses and validates one file; throws InvalidMappingError naming every problem. */
export function parseMappingFile(bytes: Buffer, source: string): MappingSet {
  let json: unknown;
  try {
    json = JSON.parse(decodeUtf8(bytes, source));
  } catch (err) {
    if (err instanceof ImportError) throw err;
    throw new InvalidMappingError([
      { file: source, index: null, field: '(file)', expected: `JSON: ${(err as Error).message}` },
    ]);
  }
  const result = validateMappingFile(json, source);
  if (!result.ok) throw new InvalidMappingError(result.problems);
  return transformMappingFile(result.value);
}

export interface MappingImportOptions {
  limits?: ImportLimits;
}

/** Imports every mapping file of `source`; validates them all before writing any. */
export async function importMappings(
  executor: Executor,
  source: string,
  options: MappingImportOptions = {},
): Promise<{ reports: MappingReport[]; skipped: string[] }> {
  const { reads, skipped } = await readAll(source, options.limits ?? DEFAULT_LIMITS);
  const problems: MappingProblem[] = [];
  const parsed: { read: Read; set: MappingSet }[] = [];
  for (const read of reads) {
    try {
      parsed.push({ read, set: parseMappingFile(read.bytes, read.source) });
    } catch (err) {
      if (!(err instanceof InvalidMappingError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length) throw new InvalidMappingError(problems);
  const keys = new Map<string, string>();
  for (const { read, set } of parsed) {
    const other = keys.get(set.key);
    if (other)
      throw new ImportError(
        `${read.source} and ${other} are both ${set.framework} ${set.domain}; import one of them`,
      );
    keys.set(set.key, read.source);
  }
  await ensureSchema(executor, MAPPING_SCHEMA);
  const reports: MappingReport[] = [];
  for (const { read, set } of parsed) {
    const sha256 = createHash('sha256').update(read.bytes).digest('hex');
    const result = await loadMappingSet(executor, set, { source: read.source, sha256 });
    reports.push({
      source: read.source,
      framework: set.framework,
      domain: set.domain,
      version: set.version,
      attackVersion: set.attackVersion,
      sha256,
      ...result,
      mappings: set.mappings.length,
      controls: set.controls.length,
      techniques: new Set(set.mappings.map((m) => m.attackId)).size,
      unmappableTechniques: set.unmappableTechniques.length,
      unmappableControls: set.unmappableControls.length,
      incomplete: set.incomplete,
    });
  }
  return { reports, skipped };
}

/** `--remove mappings:<framework>[@<domain>]`. */
export function removeMappings(executor: Executor, spec: string): Promise<string[]> {
  const [framework = '', domain = null] = spec.slice(MAPPINGS_PREFIX.length).split('@');
  if (!framework) throw new ImportError(`--remove ${spec}: name a framework, e.g. mappings:nist_800_53`);
  return removeMappingSets(executor, framework, domain);
}

export function formatMappingReport(r: MappingReport): string {
  const what =
    r.outcome === 'unchanged'
      ? 'unchanged: the graph already holds this file; nothing written'
      : r.outcome === 'replaced'
        ? `replaced ${r.previousVersion} (run ${r.runId})`
        : `imported (run ${r.runId})`;
  return [
    `${r.source} -> ${r.framework} ${r.version} (${r.domain}, written for ATT&CK ${r.attackVersion}; sha256 ${r.sha256.slice(0, 12)}…)`,
    `  ${r.mappings} mappings, ${r.controls} controls, ${r.techniques} techniques; no mapping: ${r.unmappableTechniques} techniques, ${r.unmappableControls} controls`,
    ...r.incomplete.map(
      (x) => `  note: mapping_objects[${x.index}] has no ${x.missing}; kept as "no mapping"`,
    ),
    `  ${what}`,
  ].join('\n');
}
