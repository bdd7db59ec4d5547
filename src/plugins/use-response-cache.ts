import { createHash } from 'node:crypto';
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isWriting } from '../data/graph-state.ts';
import { createByteLru } from '../http/byte-lru.ts';
import type { DataVersion } from '../http/data-version.ts';
import type { Metrics } from '../http/metrics.ts';
import { infoOf, requestInfo } from './request-info.ts';

export interface ResponseCacheOptions {
  endpoint: string;
  version: DataVersion;
  metrics: Metrics;
  /** 0: store nothing (ETags and 304s still work). */
  ttlMs: number;
  maxEntries: number;
  /** Most bytes the cached results hold together (their JSON); the least recently used go first. */
  maxBytes: number;
  /** Cached results larger than this (in JSON characters) are not kept. */
  maxResultChars?: number;
  maxAgeSeconds: number;
  /** With API keys a shared cache must not answer for us: responses become private. */
  privateResponses: boolean;
}

interface Params {
  query?: string | null;
  operationName?: string | null;
  variables?: unknown;
  extensions?: unknown;
}

/** A cache key: the data version, the operation (document or persisted hash) and its variables. */
export function cacheKey(version: string, params: Params): string {
  const hash = (params.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)
    ?.persistedQuery?.sha256Hash;
  const material = JSON.stringify([
    version,
    params.operationName ?? null,
    params.query ?? null,
    typeof hash === 'string' ? hash : null,
    params.variables ?? null,
  ]);
  return createHash('sha256').update(material).digest('base64url');
}

function paramsFromUrl(url: URL): Params | undefined {
  try {
    const json = (name: string) => {
      const text = url.searchParams.get(name);
      return text ? JSON.parse(text) : undefined;
    };
    return {
      query: url.searchParams.get('query') || undefined,
      operationName: url.searchParams.get('operationName') || undefined,
      variables: json('variables'),
      extensions: json('extensions'),
    };
  } catch {
    return undefined;
  }
}

const keyOf = new WeakMap<Request, string>();

/**
 * Answers from memory what it answered before for the same operation, variables and data version
 * (a finished import changes the version and empties the cache). Successful GET responses carry
 * an ETag (the key: equal on every instance at the same version) and Cache-Control; a GET whose
 * If-None-Match names the current key gets 304 without running anything.
 */
export function useResponseCache(options: ResponseCacheOptions) {
  const { endpoint, version, metrics, ttlMs, maxEntries, maxBytes, maxAgeSeconds, privateResponses } =
    options;
  const maxResultChars = options.maxResultChars ?? 2_000_000;
  // Results are kept as their JSON: its size is exact, where an object graph's could only be guessed.
  const store = createByteLru({ maxBytes, maxEntries, ttlMs });
  const clear = () => {
    store.clear();
    metrics.cacheBytes(0);
  };
  const cacheControl = `${privateResponses ? 'private' : 'public'}, max-age=${maxAgeSeconds}`;

  const plugin: Plugin = {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint || request.method !== 'GET') return;
      const match = request.headers.get('if-none-match');
      const current = version.current();
      if (!match || !current || isWriting(current)) return;
      const params = paramsFromUrl(url);
      if (!params) return;
      const etag = `"${cacheKey(current, params)}"`;
      const offered = match.split(',').map((t) => t.trim().replace(/^W\//, ''));
      if (!offered.includes(etag)) return;
      requestInfo(request).cache = 'not_modified';
      metrics.cache('not_modified');
      endResponse(
        new fetchAPI.Response(null, { status: 304, headers: { etag, 'cache-control': cacheControl } }),
      );
    },
    onParams({ params, request, setResult }) {
      const current = version.current();
      const info = requestInfo(request);
      // With nothing stored, a key only serves a GET's ETag: a POST skips hashing its operation.
      // Nothing is kept or matched while a write commits: that version is no state of its own.
      if (
        !current ||
        isWriting(current) ||
        Array.isArray(params) ||
        (ttlMs <= 0 && request.method !== 'GET')
      ) {
        info.cache = 'bypass';
        metrics.cache('bypass');
        return;
      }
      const key = cacheKey(current, params);
      keyOf.set(request, key);
      const json = ttlMs > 0 ? store.get(key) : undefined;
      if (ttlMs > 0) metrics.cacheBytes(store.bytes); // an expired entry just left
      if (json !== undefined) {
        const hit = JSON.parse(json) as ExecutionResult;
        info.cache = 'hit';
        info.outcome = 'ok';
        info.etag = key;
        metrics.cache('hit');
        setResult({ ...hit, extensions: { ...hit.extensions, dbRoundTrips: 0 } });
        return;
      }
      info.cache = ttlMs > 0 ? 'miss' : 'bypass';
      metrics.cache(info.cache);
    },
    onExecutionResult({ result, context }) {
      const request = (context as { request?: Request }).request;
      const key = request && keyOf.get(request);
      if (!key || !result || Symbol.asyncIterator in result || result.errors?.length) return;
      const info = infoOf(context);
      if (info) info.etag = key;
      if (ttlMs <= 0) return;
      const json = JSON.stringify(result);
      if (json.length <= maxResultChars) store.set(key, json);
      metrics.cacheBytes(store.bytes);
    },
    onResponse({ request, response }) {
      if (request.method !== 'GET' || new URL(request.url).pathname !== endpoint) return;
      const info = requestInfo(request);
      if (info.cache === 'not_modified') return;
      if (info.etag && response.status === 200) {
        response.headers.set('etag', `"${info.etag}"`);
        response.headers.set('cache-control', cacheControl);
      } else if (!response.headers.get('content-type')?.startsWith('text/html')) {
        response.headers.set('cache-control', 'no-store');
      }
    },
  };
  return {
    plugin,
    clear,
    get size() {
      return store.size;
    },
    /** What the cached results count for against `maxBytes`. */
    get bytes() {
      return store.bytes;
    },
  };
}
