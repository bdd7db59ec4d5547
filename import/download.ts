import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { IMPORT_DEFAULTS } from '../src/env.ts';
import { ImportError } from './errors.ts';

/** How much the importer reads and how long it waits; `config.import` from src/env.ts. */
export interface ImportLimits {
  /** Most bytes of one source (after decompression), and of all pages of a TAXII collection. */
  maxBytes: number;
  /** Longest wait for a connection, the response headers, or the next bytes of the body. */
  timeoutMs: number;
  /** Longest time one download may take in all, so a server that trickles bytes cannot hold us. */
  downloadTimeoutMs: number;
  /** Most pages of one TAXII collection. */
  maxPages: number;
}

export const DEFAULT_LIMITS: ImportLimits = { ...IMPORT_DEFAULTS };

/** `268435456` -> `256 MB`: the size as the user would set it, in the unit that reads best. */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

const seconds = (ms: number) => `${+(ms / 1000).toFixed(1)} s`;

export interface DownloadOptions {
  accept: string;
  limits: ImportLimits;
  /** Bytes still allowed; less than `limits.maxBytes` for the later pages of a TAXII collection. */
  budget?: number;
  /** The one line for going over `budget`, when it is not the plain size cap. */
  overBudget?: string;
  /** The one line for a response that is not 2xx. */
  refused: (status: number, statusText: string) => string;
}

/**
 * Downloads a body, counting bytes as they arrive: it stops at the size cap instead of buffering
 * first (a 2 GB answer once took the importer down), and at the idle and total timeouts.
 */
export async function download(url: string | URL, options: DownloadOptions): Promise<Buffer> {
  const { limits } = options;
  const budget = options.budget ?? limits.maxBytes;
  const where = String(url);
  const tooLarge = () =>
    new ImportError(
      options.overBudget ?? `${where}: the response is larger than ${sizeText(budget)} (IMPORT_MAX_BYTES)`,
    );
  const controller = new AbortController();
  let reason: string | null = null;
  const abort = (why: string) => {
    reason ??= why;
    controller.abort();
  };
  const idleText = `no answer for ${seconds(limits.timeoutMs)} (IMPORT_TIMEOUT_MS)`;
  let idle = setTimeout(() => abort(idleText), limits.timeoutMs);
  const total = setTimeout(
    () =>
      abort(
        `the download took longer than ${seconds(limits.downloadTimeoutMs)} (IMPORT_DOWNLOAD_TIMEOUT_MS)`,
      ),
    limits.downloadTimeoutMs,
  );
  const progressed = () => {
    clearTimeout(idle);
    idle = setTimeout(() => abort(idleText), limits.timeoutMs);
  };
  try {
    let res: Response;
    try {
      res = await fetch(url, { headers: { accept: options.accept }, signal: controller.signal });
    } catch (err) {
      throw new ImportError(
        reason
          ? `${where}: ${reason}`
          : `cannot fetch ${where}: ${(err as Error).cause ?? (err as Error).message}`,
      );
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new ImportError(options.refused(res.status, res.statusText));
    }
    const declared = Number(res.headers.get('content-length') ?? Number.NaN);
    // Content-Length counts compressed bytes when the server compresses: only a hint, but a cheap one.
    if (declared > budget && !res.headers.get('content-encoding')) {
      await res.body?.cancel().catch(() => {});
      throw tooLarge();
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (res.body) {
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          size += value.byteLength;
          if (size > budget) {
            await reader.cancel().catch(() => {});
            throw tooLarge();
          }
          chunks.push(value);
          progressed();
        }
      } catch (err) {
        if (err instanceof ImportError) throw err;
        throw new ImportError(`${where}: ${reason ?? `the download failed: ${(err as Error).message}`}`);
      }
    }
    return Buffer.concat(chunks, size);
  } finally {
    clearTimeout(idle);
    clearTimeout(total);
  }
}

/** Reads a file, stopping at the size cap (a device or a pipe has no size to check first). */
export async function readCapped(file: string, limits: ImportLimits): Promise<Buffer> {
  return (await readWhole(file, limits)) ?? readStreamed(file, limits);
}

/**
 * A regular file within the cap in one read (a 33 MB bundle streamed in 64 KB chunks took twice as
 * long); null for anything else (a device, a pipe, a file over the cap or changing under us), which
 * the stream then reads, counting every byte against the cap.
 */
async function readWhole(file: string, limits: ImportLimits): Promise<Buffer | null> {
  const handle = await open(file);
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > limits.maxBytes) return null;
    const bytes = Buffer.allocUnsafe(info.size);
    const { bytesRead } = await handle.read(bytes, 0, info.size, 0);
    return bytesRead === info.size ? bytes : null;
  } finally {
    await handle.close();
  }
}

async function readStreamed(file: string, limits: ImportLimits): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const stream = createReadStream(file);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limits.maxBytes)
        throw new ImportError(
          `${file}: the file is larger than ${sizeText(limits.maxBytes)} (IMPORT_MAX_BYTES)`,
        );
      chunks.push(chunk);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks, size);
}

const gunzipAsync = promisify(gunzip);

/** True for gzip data (its magic bytes are 1f 8b). */
export const isGzip = (bytes: Buffer) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** Decompresses gzip data; the size cap applies to what comes out, so a gzip bomb stops at it. */
export async function gunzipCapped(bytes: Buffer, location: string, limits: ImportLimits): Promise<Buffer> {
  try {
    return await gunzipAsync(bytes, { maxOutputLength: limits.maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
      throw new ImportError(
        `${location}: decompressed, the gzip data is larger than ${sizeText(limits.maxBytes)} (IMPORT_MAX_BYTES)`,
      );
    throw new ImportError(`${location} is gzip data that cannot be decompressed: ${(err as Error).message}`);
  }
}
