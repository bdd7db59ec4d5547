import { createHash } from 'node:crypto';
import path from 'node:path';
import { DEFAULT_LIMITS, download, gunzipCapped, type ImportLimits, isGzip, readCapped } from './download.ts';
import { ImportError } from './errors.ts';
import {
  NO_CACHE,
  type OfficialOptions,
  type OfficialRead,
  parseOfficial,
  readOfficial,
} from './official.ts';
import { decodeUtf8 } from './read-text.ts';
import { readTaxiiCollection, TAXII_SOURCE } from './taxii.ts';

export interface SourceData {
  /** What the user asked for, as they wrote it. */
  source: string;
  /** Where it was read from: a path or URL. */
  location: string;
  sha256: string;
  objects: unknown[];
  /** The ATT&CK release, when the source or its collection object says. */
  attackVersion: string | null;
  /** What the user should know about where it came from: the cache, or a local fallback. */
  notes: string[];
}

/** Parses a bundle's bytes, with one clear line for each way it can be wrong. */
export function parseBundle(bytes: Buffer, location: string): { objects: unknown[] } {
  if (bytes.length === 0) throw new ImportError(`${location} is empty: expected a STIX bundle`);
  let doc: unknown;
  const text = decodeUtf8(bytes, location);
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    // A parser that stops at the very end of the text ran out of input: the file was cut short.
    const at = Number(/position (\d+)/.exec(message)?.[1] ?? Number.NaN);
    const truncated = /end of (JSON )?input|Unterminated/i.test(message) || at >= text.trimEnd().length;
    throw new ImportError(
      `${location} is not valid JSON${truncated ? ' (it looks truncated)' : ''}: ${message}`,
    );
  }
  const bundle = doc as { type?: unknown; objects?: unknown };
  if (typeof doc !== 'object' || doc === null || bundle.type !== 'bundle' || !Array.isArray(bundle.objects)) {
    throw new ImportError(`${location} is not a STIX bundle: expected {"type": "bundle", "objects": [...]}`);
  }
  if (bundle.objects.length === 0) throw new ImportError(`${location} is an empty bundle: it has no objects`);
  return { objects: bundle.objects };
}

function versionOf(objects: unknown[], hint: string | null): string | null {
  const collection = objects.find((o) => (o as { type?: unknown })?.type === 'x-mitre-collection') as
    | { x_mitre_version?: unknown }
    | undefined;
  if (typeof collection?.x_mitre_version === 'string') return collection.x_mitre_version;
  return hint;
}

export interface ReadOptions {
  /** For TAXII sources: only objects added after this timestamp. */
  addedAfter?: string;
  limits?: ImportLimits;
  /** `attack:<domain>` sources: base URL, cache and local fallback (none by default). */
  official?: OfficialOptions;
}

/** Reads one source: a file path, an http(s) URL, `attack:<domain>[@version]` or a TAXII 2.1 collection. */
export async function readSource(source: string, options: ReadOptions = {}): Promise<SourceData> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  if (TAXII_SOURCE.test(source)) {
    const { location, objects } = await readTaxiiCollection(source, limits, options.addedAfter);
    const sha256 = createHash('sha256').update(JSON.stringify(objects)).digest('hex');
    if (objects.length === 0) throw new ImportError(`${location} returned no objects`);
    return { source, location, sha256, objects, attackVersion: versionOf(objects, null), notes: [] };
  }
  const official = parseOfficial(source);
  let location: string;
  let bytes: Buffer;
  let hint: string | null = official?.version ?? null;
  let fetched: OfficialRead | null = null;
  if (official) {
    fetched = await readOfficial(source, options.official ?? NO_CACHE, limits);
    ({ location, bytes } = fetched);
  } else if (/^https?:\/\//.test(source)) {
    location = source;
    bytes = await download(location, {
      accept: 'application/json',
      limits,
      refused: (status, text) => `cannot fetch ${location}: HTTP ${status} ${text}`,
    });
  } else {
    location = path.resolve(source);
    try {
      bytes = await readCapped(location, limits);
    } catch (err) {
      if (err instanceof ImportError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw new ImportError(
        `cannot read ${location}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      );
    }
  }
  hint ??= /-(\d+\.\d+)\.json(\.gz)?$/.exec(location)?.[1] ?? null;
  if (isGzip(bytes)) bytes = await gunzipCapped(bytes, location, limits);
  const { objects } = parseBundle(bytes, location);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const notes = [...(fetched?.notes ?? [])];
  const kept = await fetched?.keep?.();
  if (kept) notes.push(kept);
  return { source, location, sha256, objects, attackVersion: versionOf(objects, hint), notes };
}
