import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { download, type ImportLimits, readCapped } from './download.ts';
import { ImportError } from './errors.ts';

/*
 * `attack:<domain>[@version]`, MITRE's published bundles, for machines that are sometimes offline:
 * a fetched bundle is kept in a cache folder, so a restart reads it instead of fetching again; when
 * MITRE cannot be reached, the cached copy or the highest local release of the domain stands in,
 * and the import says which file it read.
 */

export const MITRE_BASE_URL = 'https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master';

/** `config.attack` from src/env.ts, plus the CLI's --refresh. */
export interface OfficialOptions {
  baseUrl: string;
  /** Where fetched bundles are kept; null: no cache. */
  cacheDir: string | null;
  /** How long a cached latest bundle is used without fetching; a release's copy never expires. */
  cacheMaxAgeMs: number;
  /** Local bundles such as `enterprise-attack-18.1.json`, read when nothing can be fetched; null: none. */
  dataDir: string | null;
  /** Fetch even when the cached copy is fresh. */
  refresh?: boolean;
}

/** Library callers that pass nothing get the old behaviour: fetch, no cache, no fallback. */
export const NO_CACHE: OfficialOptions = {
  baseUrl: MITRE_BASE_URL,
  cacheDir: null,
  cacheMaxAgeMs: 0,
  dataDir: null,
};

const OFFICIAL = /^attack:(enterprise|mobile|ics)(?:@(\d+\.\d+))?$/;

export interface Official {
  /** `enterprise-attack`. */
  domain: string;
  version: string | null;
  url: string;
  /** The bundle's file name, on MITRE's side and in the cache. */
  file: string;
}

/** What `attack:mobile@17.1` names: MITRE's STIX 2.1 bundle of that domain, latest or a release. */
export function parseOfficial(source: string, baseUrl = MITRE_BASE_URL): Official | null {
  const m = OFFICIAL.exec(source);
  if (!m) return null;
  const domain = `${m[1]}-attack`;
  const version = m[2] ?? null;
  const file = version ? `${domain}-${version}.json` : `${domain}.json`;
  return { domain, version, url: `${baseUrl}/${domain}/${file}`, file };
}

export interface OfficialRead {
  location: string;
  bytes: Buffer;
  notes: string[];
  /** Keeps a fetched bundle in the cache; called once it has parsed, so a broken answer is never kept. */
  keep?: () => Promise<string | null>;
}

const compareVersions = (a: string, b: string) => {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d) return d;
  }
  return 0;
};

/**
 * The local bundle of `domain` to read: the given release, or the highest one (by version, not by
 * date: a copied old file is often the newest on disk).
 */
export async function newestLocalBundle(dir: string, domain: string, version: string | null) {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  const re = new RegExp(`^${domain}-(\\d+(?:\\.\\d+)*)\\.json(\\.gz)?$`);
  const found = names
    .map((name) => ({ name, version: re.exec(name)?.[1] }))
    .filter((f): f is { name: string; version: string } => !!f.version && (!version || f.version === version))
    .sort((a, b) => compareVersions(b.version, a.version) || a.name.length - b.name.length);
  return found[0] ? path.join(dir, found[0].name) : null;
}

async function ageOf(file: string): Promise<number | null> {
  try {
    return Date.now() - (await stat(file)).mtimeMs;
  } catch {
    return null;
  }
}

const hours = (ms: number) =>
  ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : `${+(ms / 3_600_000).toFixed(1)} h`;

/** Reads `attack:<domain>[@version]`: the fresh cache, else MITRE, else the stale cache, else the data folder. */
export async function readOfficial(
  source: string,
  options: OfficialOptions,
  limits: ImportLimits,
): Promise<OfficialRead> {
  const official = parseOfficial(source, options.baseUrl);
  if (!official) throw new ImportError(`${source} is not attack:<enterprise|mobile|ics>[@<version>]`);
  const cached = options.cacheDir ? path.join(options.cacheDir, official.file) : null;
  const age = cached ? await ageOf(cached) : null;
  // A release never changes once published; only the latest bundle goes stale.
  const fresh = age !== null && (official.version !== null || age < options.cacheMaxAgeMs);
  if (cached && fresh && !options.refresh) {
    return {
      location: cached,
      bytes: await readCapped(cached, limits),
      notes: [
        `${source}: read the cached copy ${cached}, fetched ${hours(age ?? 0)} ago (ATTACK_CACHE_MAX_AGE_S)`,
      ],
    };
  }
  try {
    const bytes = await download(official.url, {
      accept: 'application/json',
      limits,
      refused: (status, text) => `cannot fetch ${official.url}: HTTP ${status} ${text}`,
    });
    return {
      location: official.url,
      bytes,
      notes: [],
      keep: cached ? () => keep(cached, bytes) : undefined,
    };
  } catch (err) {
    if (!(err instanceof ImportError)) throw err;
    const why = err.message;
    if (cached && age !== null) {
      return {
        location: cached,
        bytes: await readCapped(cached, limits),
        notes: [`${why}; read the cached copy ${cached} instead, fetched ${hours(age)} ago`],
      };
    }
    const local = options.dataDir
      ? await newestLocalBundle(options.dataDir, official.domain, official.version)
      : null;
    if (local) {
      return {
        location: local,
        bytes: await readCapped(local, limits),
        notes: [`${why}; read the local bundle ${local} instead (the highest release in ATTACK_DATA_DIR)`],
      };
    }
    const searched = [options.cacheDir, options.dataDir].filter(Boolean).join(' and ') || 'no folder';
    const wanted = `${official.domain}-${official.version ?? '<version>'}.json`;
    throw new ImportError(
      `${why}; and no local bundle of ${official.domain} (${wanted}) is in ${searched} (ATTACK_CACHE_DIR, ATTACK_DATA_DIR)`,
    );
  }
}

/** Writes the copy beside its final name first, so a crash never leaves half a bundle in the cache. */
async function keep(file: string, bytes: Buffer): Promise<string | null> {
  const partial = `${file}.${process.pid}.partial`;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(partial, bytes);
    await rename(partial, file);
    return null;
  } catch (err) {
    return `could not keep a copy in ${file}: ${(err as Error).message}`;
  }
}
