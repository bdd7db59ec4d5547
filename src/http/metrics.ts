import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Distinct operation names kept as labels; the rest count as "other" (clients pick names freely). */
const MAX_OPERATION_NAMES = 200;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export type CacheOutcome = 'hit' | 'miss' | 'not_modified' | 'bypass';

/**
 * The process's Prometheus metrics, in a registry of its own (so several apps in one test process
 * never collide). Label values are bounded: routes, outcomes and query names come from the code.
 */
export function createMetrics(
  options: {
    poolMax?: number;
    defaultMetrics?: boolean;
    /** The registry to fill; a cluster worker passes one whose text covers every worker. */
    registry?: Registry;
  } = {},
) {
  const registry = options.registry ?? new Registry();
  if (options.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: 'attack_graph_' });
  const registers = [registry];

  const httpRequests = new Counter({
    name: 'attack_graph_http_requests_total',
    help: 'HTTP requests by route and status code.',
    labelNames: ['route', 'status'],
    registers,
  });
  const httpSeconds = new Histogram({
    name: 'attack_graph_http_request_duration_seconds',
    help: 'HTTP request latency by route.',
    labelNames: ['route'],
    buckets: SECONDS,
    registers,
  });
  const operations = new Counter({
    name: 'attack_graph_graphql_operations_total',
    help: 'GraphQL operations by operation name and outcome (ok, error, rejected).',
    labelNames: ['operation', 'outcome'],
    registers,
  });
  const operationSeconds = new Histogram({
    name: 'attack_graph_graphql_operation_duration_seconds',
    help: 'GraphQL request latency by operation name.',
    labelNames: ['operation'],
    buckets: SECONDS,
    registers,
  });
  const queries = new Counter({
    name: 'attack_graph_neo4j_queries_total',
    help: 'Neo4j round trips by named query and outcome.',
    labelNames: ['query', 'outcome'],
    registers,
  });
  const querySeconds = new Histogram({
    name: 'attack_graph_neo4j_query_duration_seconds',
    help: 'Neo4j round-trip latency by named query.',
    labelNames: ['query'],
    buckets: SECONDS,
    registers,
  });
  const inFlight = new Gauge({
    name: 'attack_graph_neo4j_queries_in_flight',
    help: 'Neo4j queries running now: each holds one pooled connection.',
    registers,
  });
  const poolMax = new Gauge({
    name: 'attack_graph_neo4j_pool_max_connections',
    help: 'Most Bolt connections this process may open (NEO4J_MAX_POOL_SIZE).',
    registers,
  });
  if (options.poolMax !== undefined) poolMax.set(options.poolMax);
  const circuitOpen = new Gauge({
    name: 'attack_graph_neo4j_circuit_open',
    help: '1 while reads fail at once because Neo4j could not be reached (until a ping answers), else 0.',
    registers,
  });
  const cache = new Counter({
    name: 'attack_graph_response_cache_total',
    help: 'GraphQL requests by response-cache outcome (hit, miss, not_modified, bypass).',
    labelNames: ['outcome'],
    registers,
  });
  const cacheBytes = new Gauge({
    name: 'attack_graph_response_cache_bytes',
    help: 'Bytes the response cache holds (its results as JSON), bounded by RESPONSE_CACHE_MAX_BYTES.',
    registers,
  });
  const rejections = new Counter({
    name: 'attack_graph_http_rejections_total',
    help: 'Requests refused before GraphQL ran, by reason.',
    labelNames: ['reason'],
    registers,
  });

  const seen = new Set<string>();
  const operationLabel = (name: string | undefined): string => {
    if (!name) return 'anonymous';
    if (!NAME.test(name)) return 'other';
    if (seen.has(name)) return name;
    if (seen.size >= MAX_OPERATION_NAMES) return 'other';
    seen.add(name);
    return name;
  };

  return {
    registry,
    /** Hooks for createExecutor. */
    onQueryStart: () => inFlight.inc(),
    onQuery: (name: string, ms: number, ok: boolean) => {
      inFlight.dec();
      queries.inc({ query: name, outcome: ok ? 'ok' : 'error' });
      querySeconds.observe({ query: name }, ms / 1000);
    },
    http(route: string, status: number, ms: number) {
      httpRequests.inc({ route, status: String(status) });
      httpSeconds.observe({ route }, ms / 1000);
    },
    operation(name: string | undefined, outcome: 'ok' | 'error' | 'rejected', ms: number) {
      const operation = operationLabel(name);
      operations.inc({ operation, outcome });
      operationSeconds.observe({ operation }, ms / 1000);
    },
    cache: (outcome: CacheOutcome) => cache.inc({ outcome }),
    cacheBytes: (bytes: number) => cacheBytes.set(bytes),
    /** Hook for createExecutor's onCircuitChange. */
    circuit: (open: boolean) => circuitOpen.set(open ? 1 : 0),
    rejection: (reason: string) => rejections.inc({ reason }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
