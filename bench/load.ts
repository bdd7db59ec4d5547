import autocannon from 'autocannon';
import type { Driver } from 'neo4j-driver';
import neo4j from 'neo4j-driver';

export interface LoadResult {
  concurrency: number;
  requests: number;
  seconds: number;
  /** Completed requests per second. */
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Failed, timed-out, non-2xx or wrong-body responses: any is a failed benchmark. */
  failures: number;
  /** Every measured latency, ascending (for mergeLoads). */
  latencies: number[];
}

export interface LoadOptions {
  concurrency: number;
  /** Measured seconds. */
  seconds: number;
  /** Seconds of the same load first, thrown away (JIT, pools, page cache). */
  warmupSeconds: number;
}

/** The median of `values` (any order): the middle one, or the mean of the middle two. */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The q-quantile (0..1) of ascending `values`, nearest rank (the p50, p95 and p99 of a load). */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const rank = Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1));
  return values[rank] ?? Number.NaN;
}

function summarise(concurrency: number, latencies: number[], seconds: number, failures: number): LoadResult {
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    requests: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
    failures,
    latencies,
  };
}

/** One point measured in several slices (see query-pass.ts): their latencies, seconds and failures summed. */
export function mergeLoads(parts: LoadResult[]): LoadResult {
  const [first] = parts;
  if (!first) throw new Error('mergeLoads: no load to merge');
  return summarise(
    first.concurrency,
    parts.flatMap((p) => p.latencies),
    parts.reduce((sum, p) => sum + p.seconds, 0),
    parts.reduce((sum, p) => sum + p.failures, 0),
  );
}

function cannon(options: Parameters<typeof autocannon>[0], latencies?: number[]) {
  return new Promise<{ duration: number; failures: number }>((resolve, reject) => {
    const instance = autocannon(options, (error, result) => {
      if (error) reject(error);
      else
        resolve({
          duration: result.duration,
          failures: result.errors + result.timeouts + result.mismatches + result.non2xx,
        });
    });
    if (latencies) instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  });
}

/**
 * POSTs one GraphQL request at `concurrency` connections for `seconds` with autocannon, after a
 * warm-up. Every response must equal `expectBody` byte for byte (the answer checked before timing).
 */
export async function loadHttp(
  url: string,
  body: string,
  expectBody: string,
  { concurrency, seconds, warmupSeconds }: LoadOptions,
): Promise<LoadResult> {
  const base = {
    url,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body,
    connections: concurrency,
    expectBody,
    timeout: 30,
  };
  if (warmupSeconds > 0) await cannon({ ...base, duration: warmupSeconds });
  const latencies: number[] = [];
  const run = await cannon({ ...base, duration: seconds }, latencies);
  return summarise(concurrency, latencies, run.duration, run.failures);
}

/** The same closed loop over raw Cypher: `concurrency` workers, each one query at a time. */
export async function loadCypher(
  driver: Driver,
  database: string,
  cypher: string,
  params: Record<string, unknown>,
  { concurrency, seconds, warmupSeconds }: LoadOptions,
): Promise<LoadResult> {
  const once = () => driver.executeQuery(cypher, params, { database, routing: neo4j.routing.READ });
  const loop = async (ms: number, latencies: number[] | null) => {
    const end = performance.now() + ms;
    let failures = 0;
    const worker = async () => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          const result = await once();
          // The client reads the answer: turn the records into plain objects, as the API does.
          result.records.map((r) => r.toObject());
          latencies?.push(performance.now() - t);
        } catch {
          failures++;
        }
      }
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    return { seconds: (performance.now() - start) / 1000, failures };
  };
  if (warmupSeconds > 0) await loop(warmupSeconds * 1000, null);
  const latencies: number[] = [];
  const run = await loop(seconds * 1000, latencies);
  return summarise(concurrency, latencies, run.seconds, run.failures);
}
