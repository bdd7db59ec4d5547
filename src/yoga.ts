import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { PothosValidationError } from '@pothos/core';
import { useCORS } from '@whatwg-node/server';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { type CORSOptions, createYoga, type Plugin, maskError as yogaMaskError } from 'graphql-yoga';
import type { Context } from './context.ts';
import { createPerImport, type PerImport } from './data/analytics/per-import.ts';
import { DATA_VERSION, settledVersion } from './data/graph-state.ts';
import type { Config } from './env.ts';
import { createDataVersion } from './http/data-version.ts';
import { createMetrics, type Metrics } from './http/metrics.ts';
import { createReadiness, type Readiness } from './http/readiness.ts';
import { routeOf } from './http/routes.ts';
import { createLogger, type Logger } from './logger.ts';
import {
  type BatchingOptions,
  DatabaseUnavailableError,
  type Executor,
  QueryTimeoutError,
  withDeadline,
} from './neo4j/executor.ts';
import { useAccess } from './plugins/use-access.ts';
import { useCompiledExecution } from './plugins/use-compiled-execution.ts';
import { useConsistentReads } from './plugins/use-consistent-reads.ts';
import { useCsrfPrevention } from './plugins/use-csrf.ts';
import { useErrorCodes } from './plugins/use-error-codes.ts';
import { useExplorer } from './plugins/use-explorer.ts';
import { useJsonParsing } from './plugins/use-json-parsing.ts';
import { useLayerRoutes } from './plugins/use-layer-routes.ts';
import { useLimits } from './plugins/use-limits.ts';
import { useMetricsEndpoint } from './plugins/use-metrics-endpoint.ts';
import { usePersistedOperations } from './plugins/use-persisted-operations.ts';
import { useReadiness } from './plugins/use-readiness.ts';
import { useRequestGuard } from './plugins/use-request-guard.ts';
import { useRequestLog } from './plugins/use-request-log.ts';
import { useResponseCache } from './plugins/use-response-cache.ts';
import { useRoutes, YOGA_HEALTH_CHECK_OFF } from './plugins/use-routes.ts';
import { schema as appSchema } from './schema/index.ts';

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

/**
 * GraphiQL's page with its scripts, styles and editor workers inlined from the installed
 * @graphql-yoga/render-graphiql: Yoga's default page loads them from a public CDN, which an offline
 * or air-gapped browser cannot reach (it showed only "Loading..."). The page is about 9 MB and the
 * same for every request, so it is built once, on first use.
 */
let graphiqlPage: string | undefined;
const offlineGraphiQL = (): string => {
  graphiqlPage ??= renderGraphiQL({ title: 'attack-graph', defaultQuery: DEFAULT_QUERY });
  return graphiqlPage;
};

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
  /** What /ready reports; defaults to a check over `executor` (see src/http/readiness.ts). */
  readiness?: Readiness;
  /** The per-import analyst sets; benchmarks pass one that keeps nothing, to compare. */
  perImport?: PerImport;
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
  readiness,
  perImport = createPerImport(),
}: AppOptions) {
  const log = logger ?? createLogger(config.log.level);
  const endpoint = '/graphql';
  const { http } = config;
  const cors = corsOptions(http.corsOrigins);
  const version = createDataVersion(executor, {
    intervalMs: config.cache.dataVersionCheckMs,
    log,
    onChange: (next) => {
      cache.clear();
      // The analyst queries' per-import sets (shared by every request) belong to one version.
      perImport.moveTo(next);
    },
  });
  // Read it now, so the first requests already get cache keys and ETags.
  void version.refresh();
  const cache = useResponseCache({
    endpoint,
    metrics,
    version,
    ttlMs: config.cache.ttlMs,
    maxEntries: config.cache.maxEntries,
    maxBytes: config.cache.maxBytes,
    maxAgeSeconds: config.cache.maxAgeSeconds,
    privateResponses: config.auth.keyDigests.length > 0,
  });

  // Every Neo4j call of a request shares one deadline, enforced as each transaction's timeout; with
  // consistent reads the request's reader also reads the data version (see batchingReader).
  const makeDb = (batching?: BatchingOptions) =>
    withDeadline(executor, Date.now() + http.requestTimeoutMs).batching(
      http.consistentReads ? DATA_VERSION : undefined,
      batching,
    );

  const plugins: Plugin[] = [
    // Order matters: onRequest hooks run in this order, and the first to answer ends the request.
    useRequestLog({ log, metrics }),
    // Anything but a documented route is answered 404 here, before any other plugin can act on it.
    useRoutes({ cors: cors !== false, metrics: http.metrics, explorer: config.explorer.enabled }),
    cors === false ? {} : useCORS<object>(cors),
    useReadiness(readiness ?? createReadiness(executor, { log })),
    // Before the key check: the app's files are public; its data requests are not (see use-explorer.ts).
    config.explorer.enabled ? useExplorer({ dir: config.explorer.dir }) : {},
    useAccess({
      config,
      metrics,
      routes: ['graphql', 'metrics', 'layers', 'migrate', 'controls', 'coverageUpload'],
    }),
    http.metrics ? useMetricsEndpoint({ metrics }) : {},
    http.csrfPrevention ? useCsrfPrevention({ metrics }) : {},
    useJsonParsing({ maxBodyBytes: http.maxBodyBytes }),
    ...useLimits(config),
    cache.plugin,
    ...usePersistedOperations(config),
    useLayerRoutes({ maxUploadBytes: http.maxBodyBytes }),
    useRoundTrips(),
    useErrorCodes(),
    // Before the plugins that wrap execution (consistent reads, the request guard): they wrap it.
    http.jit ? useCompiledExecution(log) : {},
    http.consistentReads
      ? useConsistentReads({
          makeDb,
          settle: () => settledVersion(withDeadline(executor, Date.now() + http.requestTimeoutMs)),
          log,
        })
      : {},
    // Last, so its deadline and size limit cover consistent reads' re-runs too.
    useRequestGuard({ timeoutMs: http.requestTimeoutMs, maxResponseBytes: config.limits.responseBytes, log }),
  ];

  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: endpoint,
    // Yoga's own health check, GraphiQL and CORS match paths loosely and run before any plugin:
    // useRoutes serves /health, GraphiQL renders on the GraphQL route only, CORS is a plugin above.
    healthCheckEndpoint: YOGA_HEALTH_CHECK_OFF,
    graphiql: http.graphiql
      ? (request) => routeOf(request) === 'graphql' && { title: 'attack-graph', defaultQuery: DEFAULT_QUERY }
      : false,
    renderGraphiQL: offlineGraphiQL,
    landingPage: false,
    logging: log,
    maskedErrors: { maskError: createMaskError(http.requestTimeoutMs), isDev: false },
    cors: false,
    multipart: false,
    batching: http.batchLimit > 0 ? { limit: http.batchLimit } : false,
    // Held by useJsonParsing, without Yoga's per-request stream (see there).
    maxRequestBodySize: false,
    context: () => ({ db: makeDb(), perImport }) satisfies Context,
    plugins,
  });
}

export type App = ReturnType<typeof createApp>;
