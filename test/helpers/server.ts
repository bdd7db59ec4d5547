import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { importSource } from '../../import/index.ts';
import { createMetrics, type Metrics } from '../../src/http/metrics.ts';
import { createLogger } from '../../src/logger.ts';
import { createExecutor, type Executor } from '../../src/neo4j/executor.ts';
import { type App, createApp } from '../../src/yoga.ts';
import { connectTestDb, type TestDb, testConfig } from './db.ts';
import { MINI_ENTERPRISE } from './paths.ts';

export interface Served {
  yoga: App;
  metrics: Metrics;
  executor: Executor;
  /** Every log line so far, parsed. */
  logs(): Record<string, unknown>[];
  /** The raw log text, for "never logged" checks. */
  logText(): string;
  /** POSTs a GraphQL request; `headers` add to (or override) JSON content type and accept. */
  post(body: unknown, headers?: Record<string, string>): Promise<Response>;
  get(pathAndQuery: string, headers?: Record<string, string>): Promise<Response>;
}

/** The real app over the test database with `env` on top of the test config, logging at debug. */
export function serve(db: TestDb, env: Record<string, string> = {}, executor?: Executor): Served {
  const lines: string[] = [];
  const log = createLogger('debug', { write: (line: string) => void lines.push(line) });
  const metrics = createMetrics({ poolMax: 7, defaultMetrics: false });
  const config = testConfig(env);
  const exec =
    executor ??
    createExecutor(db.driver, {
      database: config.neo4j.database,
      timeoutMs: config.http.requestTimeoutMs,
      onQuery: metrics.onQuery,
      onQueryStart: metrics.onQueryStart,
    });
  const yoga = createApp({ config, executor: exec, logger: log, metrics });
  return {
    yoga,
    metrics,
    executor: exec,
    logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    logText: () => lines.join(''),
    post: async (body, headers = {}) =>
      yoga.fetch('http://test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    get: async (pathAndQuery, headers = {}) =>
      yoga.fetch(`http://test${pathAndQuery}`, { headers: { accept: 'application/json', ...headers } }),
  };
}

/** `/graphql?query=...&variables=...` */
export function getUrl(query: string, variables?: Record<string, unknown>): string {
  const params = new URLSearchParams({ query });
  if (variables) params.set('variables', JSON.stringify(variables));
  return `/graphql?${params}`;
}

/** A connection to the test database, emptied and then holding only the mini enterprise bundle. */
export async function connectMiniDb(): Promise<TestDb> {
  const db = await connectTestDb();
  await db.reset();
  await importSource(db.executor, MINI_ENTERPRISE);
  return db;
}

export type { TestDb };

/** A GraphQL answer as the server tests read it. */
export type GqlBody = {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
  extensions?: { dbRoundTrips?: number };
};

/** The error codes of an answer, in order. */
export const errorCodes = (body: GqlBody) => (body.errors ?? []).map((e) => e.extensions?.code);

/** The mini graph for one test file: connected before its tests, closed after them. */
export function useMiniDb(): { readonly db: TestDb } {
  let db: TestDb | undefined;
  beforeAll(async () => {
    db = await connectMiniDb();
  });
  afterAll(() => db?.close());
  return {
    get db() {
      if (!db) throw new Error('the mini graph is not connected yet: use it inside a test or hook');
      return db;
    },
  };
}

/**
 * Fixture B: the mini enterprise bundle plus one more technique, group, tool and mitigation
 * (copies with new ids), so an import of B changes four counts at once. Returns its path.
 */
export async function writeFixtureB(): Promise<string> {
  const { readFile, writeFile, mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { randomUUID } = await import('node:crypto');
  const bundle = JSON.parse(await readFile(MINI_ENTERPRISE, 'utf8')) as {
    objects: Record<string, unknown>[];
  };
  const extra: Record<string, [string, string]> = {
    'attack-pattern': ['T1999', 'Fixture B Technique'],
    'intrusion-set': ['G0099', 'Fixture B Group'],
    tool: ['S0099', 'Fixture B Tool'],
    'course-of-action': ['M1099', 'Fixture B Mitigation'],
  };
  for (const [type, [attackId, name]] of Object.entries(extra)) {
    const original = bundle.objects.find(
      (o) => o.type === type && !o.revoked && !o.x_mitre_deprecated && Array.isArray(o.external_references),
    );
    if (!original) throw new Error(`mini-enterprise has no ${type}`);
    const copy = structuredClone(original);
    copy.id = `${type}--${randomUUID()}`;
    copy.name = name;
    copy.aliases = Array.isArray(copy.aliases) ? [name] : copy.aliases;
    copy.x_mitre_aliases = Array.isArray(copy.x_mitre_aliases) ? [name] : copy.x_mitre_aliases;
    copy.external_references = (copy.external_references as Record<string, unknown>[]).map((r) =>
      r.source_name === 'mitre-attack' ? { ...r, external_id: attackId } : r,
    );
    bundle.objects.push(copy);
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'attack-graph-fixture-b-'));
  const file = path.join(dir, 'mini-enterprise-b.json');
  await writeFile(file, JSON.stringify(bundle));
  return file;
}
