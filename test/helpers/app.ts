import { importSource } from '../../import/index.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { type App, createApp } from '../../src/yoga.ts';
import { connectTestDb, type TestDb } from './db.ts';
import { bundlePath } from './paths.ts';

export interface GqlResponse<TData> {
  data?: TData | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  extensions?: { dbRoundTrips?: number } & Record<string, unknown>;
}

export type Gql = <TData = Record<string, unknown>>(
  query: string,
  variables?: Record<string, unknown>,
) => Promise<GqlResponse<TData>>;

/** POSTs one GraphQL request to `yoga` in-process (no port) and returns the parsed JSON. */
export function createGql(yoga: App): Gql {
  return async (query, variables) => {
    const response = await yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return response.json();
  };
}

export interface TestApp {
  yoga: App;
  db: TestDb;
  gql: Gql;
  close(): Promise<void>;
}

/** The real app over the test database; logs are dropped unless a logger is given. */
export async function createTestApp(options: { logger?: Logger } = {}): Promise<TestApp> {
  const db = await connectTestDb();
  const yoga = createApp({
    config: db.config,
    executor: db.executor,
    logger: options.logger ?? createLogger('silent'),
  });
  return { yoga, db, gql: createGql(yoga), close: () => db.close() };
}

/** The app over a freshly emptied database holding exactly these real bundles. */
export async function appWithBundles(bundles: string[]): Promise<TestApp> {
  const app = await createTestApp();
  await app.db.reset();
  for (const bundle of bundles) await importSource(app.db.executor, bundlePath(bundle));
  // The full-text index refreshes off the commit path; searches must see the whole import.
  await app.db.executor.read({
    name: 'test.awaitFulltext',
    cypher: 'CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()',
  });
  return app;
}
