/**
 * `API_WORKERS`: several API processes on one machine, sharing its port through node:cluster (the
 * primary accepts connections and hands them to the workers in turn). The primary only starts,
 * supervises and stops workers, and answers their requests for cluster-wide metrics. Each worker
 * is a whole API: its own Bolt pool, response cache, rate limiter and per-import sets.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Registry } from 'prom-client';
import type { Logger } from './logger.ts';

type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;
type Message =
  | { kind: 'metrics?'; id: number }
  | { kind: 'metrics'; id: number; text: string }
  | { kind: 'metrics-json?'; id: number }
  | { kind: 'metrics-json'; id: number; json: MetricsJson };

const TAG = 'attack-graph';
const isMessage = (m: unknown): m is Message & { tag: string } =>
  typeof m === 'object' && m !== null && (m as { tag?: unknown }).tag === TAG;
const send = (to: { send(m: unknown): unknown } | NodeJS.Process, m: Message) =>
  to.send?.({ tag: TAG, ...m });

/**
 * The Node flags every API process runs with: `npm start`, the Dockerfile and the benchmark start
 * it with these, and workers inherit them. A young generation of 32 MB semi-spaces instead of
 * Node 20's 16: a large answer (a matrix, 2,000 detectable objects) allocates tens of MB of
 * short-lived objects per request, and fewer scavenges cut the API's CPU per request by 10-15%
 * there (docs/performance-log.md), for at most 32 MB more memory per process (two semi-spaces).
 */
export const API_NODE_FLAGS = ['--max-semi-space-size=32'] as const;

/** A worker that is slower than this to report its metrics is left out of that scrape. */
const METRICS_WAIT_MS = 2_000;
/** A worker that dies this soon after starting is not restarted (a start-up error would loop). */
const MIN_UPTIME_MS = 5_000;

/** Forks `count` workers, restarts any that die, and stops them all on SIGTERM or SIGINT. */
export function runPrimary(count: number, log: Logger): void {
  const started = new Map<number, number>();
  let stopping = false;
  let nextId = 0;
  const fork = () => {
    const worker = cluster.fork();
    started.set(worker.id, Date.now());
    worker.on('message', (m: unknown) => {
      if (isMessage(m) && m.kind === 'metrics?') void answerMetrics(worker, m.id);
    });
  };
  const answerMetrics = async (asker: Worker, id: number) => {
    const ask = ++nextId;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    const replies = await Promise.all(
      workers.map(
        (w) =>
          new Promise<MetricsJson | null>((resolve) => {
            const timer = setTimeout(() => done(null), METRICS_WAIT_MS);
            const onMessage = (m: unknown) => {
              if (isMessage(m) && m.kind === 'metrics-json' && m.id === ask) done(m.json);
            };
            const done = (json: MetricsJson | null) => {
              clearTimeout(timer);
              w.off('message', onMessage);
              resolve(json);
            };
            w.on('message', onMessage);
            send(w, { kind: 'metrics-json?', id: ask });
          }),
      ),
    );
    const text = await AggregatorRegistry.aggregate(replies.filter((r): r is MetricsJson => !!r)).metrics();
    send(asker, { kind: 'metrics', id, text });
  };

  cluster.on('exit', (worker, code, signal) => {
    const uptime = Date.now() - (started.get(worker.id) ?? 0);
    started.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        log.info('all workers stopped');
        process.exit(0);
      }
      return;
    }
    if (uptime < MIN_UPTIME_MS) {
      log.fatal({ worker: worker.id, code, signal }, 'a worker died during start-up: stopping');
      stop('SIGTERM');
      return;
    }
    log.error({ worker: worker.id, code, signal }, 'a worker died: starting another');
    fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping the workers');
    // Each worker drains its own requests (main.ts), then exits.
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  for (let i = 0; i < count; i++) fork();
  log.info({ workers: count }, 'started the API workers');
}

/**
 * A worker's metrics registry: its own metrics as usual, but its Prometheus text (what /metrics
 * serves, whichever worker answers) is the sum over every worker, gathered by the primary.
 */
export class WorkerRegistry extends Registry {
  #next = 0;
  #waiting = new Map<number, (text: string) => void>();

  constructor() {
    super();
    process.on('message', (m: unknown) => {
      if (!isMessage(m)) return;
      if (m.kind === 'metrics-json?') {
        void this.getMetricsAsJSON().then((json) => send(process, { kind: 'metrics-json', id: m.id, json }));
      } else if (m.kind === 'metrics') {
        this.#waiting.get(m.id)?.(m.text);
        this.#waiting.delete(m.id);
      }
    });
  }

  override metrics(): Promise<string> {
    const id = ++this.#next;
    return new Promise((resolve) => {
      // Without an answer (the primary is stopping), this worker's own numbers are better than none.
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        resolve(super.metrics());
      }, METRICS_WAIT_MS * 2);
      this.#waiting.set(id, (text) => {
        clearTimeout(timer);
        resolve(text);
      });
      send(process, { kind: 'metrics?', id });
    });
  }
}
