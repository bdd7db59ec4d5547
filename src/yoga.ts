import { PothosValidationError } from '@pothos/core';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import {
  type CORSOptions,
  createYoga,
  type Plugin,
  useReadinessCheck,
  maskError as yogaMaskError,
} from 'graphql-yoga';
import { type Context, createContext } from './context.ts';
import type { Config } from './env.ts';
import { createDataVersion } from './http/data-version.ts';
import { LAYER_PATH_PREFIX } from './http/layers.ts';
import { createMetrics, type Metrics } from './http/metrics.ts';
import { DATA_VERSION, fetchImported } from './http/queries.ts';
import { createLogger, type Logger } from './logger.ts';
import {
  DatabaseUnavailableError,
  type Executor,
  QueryTimeoutError,
  withDeadline,
} from './neo4j/executor.ts';
import { useLayerRoutes } from './plugins/layers.ts';
import { useAccess } from './plugins/use-access.ts';
import { useConsistentReads } from './plugins/use-consistent-reads.ts';
import { useCsrfPrevention } from './plugins/use-csrf.ts';
import { useErrorCodes } from './plugins/use-error-codes.ts';
import { useLimits } from './plugins/use-limits.ts';
import { useMetricsEndpoint } from './plugins/use-metrics-endpoint.ts';
import { usePersistedOperations } from './plugins/use-persisted-operations.ts';
import { useRequestGuard } from './plugins/use-request-guard.ts';
import { useRequestLog } from './plugins/use-request-log.ts';
import { useResponseCache } from './plugins/use-response-cache.ts';
import { schema as appSchema } from './schema/index.ts';

/** The query GraphiQL opens with: the headline question the API exists to answer. */
/**
 * What GraphiQL opens with: the questions the API exists to answer, one named operation each
 * (pick one with the run button's menu). A test runs every one of them.
 */
export const DEFAULT_QUERY = `# attack-graph: MITRE ATT&CK as a typed graph. Press run and pick an operation.

# Which groups use techniques of the Credential Access tactic, and which techniques put them there?
query CredentialAccessGroups {
  tactic(shortname: "credential-access", domain: ENTERPRISE) {
    name
    groups(via: [DIRECT]) {
      totalCount
      edges {
        node { attackId name }
        techniques { attackId name }
      }
    }
  }
}

# A group page: APT28 (found by its alias), what it uses and how we know.
query GroupPage {
  group(name: "Fancy Bear") {
    attackId
    name
    aliases
    techniques(via: [DIRECT, CAMPAIGN, SOFTWARE], first: 20) {
      totalCount
      edges { via description node { attackId name } }
    }
    software { nodes { attackId name __typename } }
  }
}

# The enterprise matrix: tactics in order, techniques and sub-techniques.
query EnterpriseMatrix {
  tactics(domain: ENTERPRISE) {
    shortname
    name
    techniques(first: 1000) {
      nodes { attackId name subtechniques { nodes { attackId name } } }
    }
  }
}

# Which groups work most like APT28 (Jaccard similarity of their techniques)?
query SimilarToAPT28 {
  similarGroups(group: "G0007", limit: 5) {
    similar { group { attackId name } score sharedCount }
  }
}

# How to detect LSASS credential dumping: strategies, analytics and their log sources.
query DetectLsassDumping {
  technique(attackId: "T1003.001") {
    name
    detectionStrategies {
      nodes {
        name
        analytics { nodes { attackId platforms logSources { name channel dataComponent { name } } } }
      }
    }
  }
}
`;

/** How long `/ready` waits for Neo4j before it answers 503. */
const READY_TIMEOUT_MS = 3_000;

export interface AppOptions {
  config: Config;
  executor: Executor;
  logger?: Logger;
  /** Defaults to the application schema; tests pass their own to exercise the builder. */
  schema?: GraphQLSchema;
  /**
   * The process's metrics; pass the one whose onQuery/onQueryStart hooks the executor reports to,
   * so /metrics shows Neo4j too. Defaults to a fresh registry without process metrics.
   */
  metrics?: Metrics;
}

/** Puts the number of Neo4j round trips the request made into every response's `extensions.dbRoundTrips`. */
export function useRoundTrips(): Plugin {
  return {
    onExecutionResult({ result, setResult, context }) {
      // Only single results: this API has no subscriptions, @defer or @stream.
      if (!result || Symbol.asyncIterator in result) return;
      // Yoga hands over the whole request context; `db` is missing when the request failed before it was built.
      const dbRoundTrips = (context as Partial<Context>).db?.roundTrips ?? 0;
      setResult({ ...result, extensions: { ...result.extensions, dbRoundTrips } });
    },
  };
}

/** Yoga's masking, plus a code for Pothos' code-less validation errors (bad cursors and page sizes). */
function maskError(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? error.originalError : undefined;
  if (error instanceof GraphQLError && original instanceof PothosValidationError && !error.extensions.code) {
    return new GraphQLError(error.message, {
      nodes: error.nodes,
      path: error.path,
      originalError: original,
      extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
    });
  }
  return yogaMaskError(error, message, isDev);
}

/**
 * Expected failures reach the client with their message and `extensions.code`; everything else
 * becomes "Unexpected error." and is logged in full. Never a stack trace: `isDev` is ignored.
 */
function createMaskError(requestTimeoutMs: number) {
  return (error: unknown, message: string): Error => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    const at = error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {};
    if (original instanceof QueryTimeoutError) {
      return new GraphQLError(
        `The request ran out of time (limit ${requestTimeoutMs} ms): ask for less, such as smaller pages.`,
        { ...at, originalError: original, extensions: { code: 'TIMEOUT' } },
      );
    }
    if (original instanceof DatabaseUnavailableError) {
      return new GraphQLError('The database is unavailable; try again shortly.', {
        ...at,
        originalError: original,
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      });
    }
    return maskError(error, message, false);
  };
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function readiness(executor: Executor, log: Logger): Plugin {
  return useReadinessCheck({
    endpoint: '/ready',
    check: async ({ fetchAPI }) => {
      const answer = (status: 'unavailable' | 'empty') =>
        new fetchAPI.Response(JSON.stringify({ status }), {
          status: 503,
          headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        });
      let imported: boolean;
      try {
        imported = await withTimeout(fetchImported(executor, READY_TIMEOUT_MS), READY_TIMEOUT_MS);
      } catch (error) {
        log.warn({ err: error }, 'not ready: Neo4j does not answer');
        return answer('unavailable');
      }
      if (!imported) {
        log.warn('not ready: Neo4j holds no ATT&CK data (import it first)');
        return answer('empty');
      }
      return true;
    },
  });
}

function corsOptions(origins: string[]): CORSOptions {
  if (origins.length === 0) return false;
  return {
    origin: origins.includes('*') ? '*' : origins,
    credentials: false,
    methods: ['GET', 'POST'],
    allowedHeaders: ['content-type', 'authorization', 'x-request-id', 'x-graphql-csrf', 'if-none-match'],
    exposedHeaders: ['x-request-id', 'etag', 'retry-after'],
    maxAge: 600,
  };
}

/**
 * Builds the HTTP app: GraphQL (with GraphiQL where enabled), /health, /ready and /metrics,
 * behind the limits, access checks and cache of the configuration. It does not listen: see main.ts.
 */
export function createApp({
  config,
  executor,
  logger,
  schema = appSchema,
  metrics = createMetrics({ poolMax: config.neo4j.maxPoolSize, defaultMetrics: false }),
}: AppOptions) {
  const log = logger ?? createLogger(config.log.level);
  const endpoint = '/graphql';
  const { http } = config;
  const version = createDataVersion(executor, {
    intervalMs: config.cache.dataVersionCheckMs,
    log,
    onChange: () => cache.clear(),
  });
  // Read it now, so the first requests already get cache keys and ETags.
  void version.refresh();
  const cache = useResponseCache({
    endpoint,
    metrics,
    version,
    ttlMs: config.cache.ttlMs,
    maxEntries: config.cache.maxEntries,
    maxAgeSeconds: config.cache.maxAgeSeconds,
    privateResponses: config.auth.keyDigests.length > 0,
  });

  // Every Neo4j call of a request shares one deadline, enforced as each transaction's timeout.
  const makeDb = () =>
    createContext(
      withDeadline(executor, Date.now() + http.requestTimeoutMs),
      http.consistentReads ? DATA_VERSION : undefined,
    ).db;

  const plugins: Plugin[] = [
    // Order matters: onRequest hooks run in this order, and the first to answer ends the request.
    useRequestLog({ log, metrics }),
    readiness(executor, log),
    useAccess({ config, metrics, paths: [endpoint, '/metrics', LAYER_PATH_PREFIX] }),
    http.metrics ? useMetricsEndpoint({ metrics, endpoint: '/metrics' }) : {},
    http.csrfPrevention ? useCsrfPrevention({ endpoint, metrics }) : {},
    ...useLimits(config),
    cache.plugin,
    ...usePersistedOperations(config),
    useLayerRoutes(),
    useRoundTrips(),
    useErrorCodes(),
    http.consistentReads ? useConsistentReads({ makeDb, log }) : {},
    // Last, so its deadline and size limit cover consistent reads' re-runs too.
    useRequestGuard({ timeoutMs: http.requestTimeoutMs, maxResponseBytes: config.limits.responseBytes, log }),
  ];

  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: endpoint,
    healthCheckEndpoint: '/health',
    graphiql: http.graphiql ? { title: 'attack-graph', defaultQuery: DEFAULT_QUERY } : false,
    landingPage: false,
    logging: log,
    maskedErrors: { maskError: createMaskError(http.requestTimeoutMs), isDev: false },
    cors: corsOptions(http.corsOrigins),
    multipart: false,
    batching: http.batchLimit > 0 ? { limit: http.batchLimit } : false,
    maxRequestBodySize: http.maxBodyBytes,
    context: () => ({ db: makeDb() }) satisfies Context,
    plugins,
  });
}

export type App = ReturnType<typeof createApp>;
