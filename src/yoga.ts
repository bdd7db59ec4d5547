import { PothosValidationError } from '@pothos/core';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { createYoga, type Plugin, useReadinessCheck, maskError as yogaMaskError } from 'graphql-yoga';
import { type Context, createContext } from './context.ts';
import { ping } from './data/status.ts';
import type { Config } from './env.ts';
import { createLogger, type Logger } from './logger.ts';
import type { Executor } from './neo4j/executor.ts';
import { useLayerRoutes } from './plugins/layers.ts';
import { schema as appSchema } from './schema/index.ts';

/** The query GraphiQL opens with: the headline question the API exists to answer. */
export const DEFAULT_QUERY = `# Which groups use techniques of the Credential Access tactic, and which techniques put them there?
{
  tactic(shortname: "credential-access", domain: ENTERPRISE) {
    name
    groups {
      totalCount
      edges {
        node { attackId name }
        techniques { attackId name }
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

/**
 * Expected failures reach the client with their message and `extensions.code`; everything else
 * becomes "Unexpected error." and is logged in full.
 */
function maskError(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? error.originalError : undefined;
  // Pothos' relay helpers reject bad cursors and page sizes with a code-less validation error.
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

/** Builds the HTTP app (GraphQL, GraphiQL, /health, /ready). It does not listen: see main.ts. */
export function createApp({ config, executor, logger, schema = appSchema }: AppOptions) {
  const log = logger ?? createLogger(config.log.level);
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    graphiql: { title: 'attack-graph', defaultQuery: DEFAULT_QUERY },
    landingPage: false,
    logging: log,
    maskedErrors: { maskError },
    context: () => createContext(executor),
    plugins: [
      useLayerRoutes(),
      useRoundTrips(),
      useReadinessCheck({
        endpoint: '/ready',
        check: async ({ fetchAPI }) => {
          try {
            await withTimeout(ping(executor), READY_TIMEOUT_MS);
            return true;
          } catch (error) {
            log.warn({ err: error }, 'not ready: Neo4j does not answer');
            return new fetchAPI.Response(JSON.stringify({ status: 'unavailable' }), {
              status: 503,
              headers: { 'content-type': 'application/json' },
            });
          }
        },
      }),
    ],
  });
}

export type App = ReturnType<typeof createApp>;
