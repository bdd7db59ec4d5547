import type { CacheOutcome } from '../http/metrics.ts';

/** What the plugins learn about one request, for its access log line and metrics. */
export interface RequestInfo {
  id: string;
  start: number;
  client?: string;
  operation?: string;
  outcome?: 'ok' | 'error' | 'rejected';
  cache?: CacheOutcome;
  /** Set when the response may carry an ETag: the cache key of an error-free result. */
  etag?: string;
}

const infos = new WeakMap<Request, RequestInfo>();

export function requestInfo(request: Request): RequestInfo {
  let info = infos.get(request);
  if (!info) {
    info = { id: '', start: performance.now() };
    infos.set(request, info);
  }
  return info;
}

/** Yoga's context carries the request; plugins that only see the context find the info here. */
export function infoOf(context: unknown): RequestInfo | undefined {
  const request = (context as { request?: Request } | undefined)?.request;
  return request ? requestInfo(request) : undefined;
}
