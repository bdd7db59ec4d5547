import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The project root: relative paths in the configuration resolve against it. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const port = z.coerce.number().int().min(1).max(65535);
const size = z.string().regex(/^\d+[kmg]$/i, 'expected a size such as 512m or 2g');
const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** An empty value means "the default of this APP_ENV"; `.env.example` leaves these empty. */
const unset = (v: unknown) => (v === '' ? undefined : v);
const flag = z
  .preprocess(unset, z.enum(['true', 'false', '1', '0']).optional())
  .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1'));
const optionalCount = (min: number, max: number) => z.preprocess(unset, count(min, max).optional());
const list = z
  .string()
  .default('')
  .transform((s) => s.split(/[\s,]+/).filter(Boolean));

/**
 * The importer's download limits. Exported so that `import/` uses the same defaults when a caller
 * (a test, the benchmark) passes no configuration.
 */
export const IMPORT_DEFAULTS = {
  /** Five times the largest real bundle (enterprise, about 50 MB), and well under V8's string limit. */
  maxBytes: 256 * 1024 * 1024,
  timeoutMs: 30_000,
  downloadTimeoutMs: 600_000,
  maxPages: 2_000,
} as const;

/**
 * Every environment variable the project reads, with its default. `.env.example` lists exactly
 * these names (a test keeps the two in step), and nothing else reads `process.env`.
 */
export const envSchema = z.object({
  NEO4J_URI: z
    .string()
    .regex(/^(bolt|neo4j)(\+s|\+ssc)?:\/\/[^\s/]+\/?$/, 'expected bolt://, neo4j://, neo4j+s:// (host:port)')
    .default('bolt://127.0.0.1:7687'),
  NEO4J_USER: z.string().min(1).default('neo4j'),
  NEO4J_PASSWORD: z.string().min(8, 'Neo4j needs at least 8 characters').default('attack-graph'),
  NEO4J_DATABASE: z.string().min(1).default('neo4j'),
  NEO4J_MAX_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(50),
  NEO4J_CONNECTION_TIMEOUT_MS: count(100, 600_000).default(3_000),
  NEO4J_ACQUISITION_TIMEOUT_MS: count(100, 600_000).default(3_000),
  NEO4J_MAX_RETRY_MS: count(0, 600_000).default(1_000),
  NEO4J_CIRCUIT_OPEN_MS: count(0, 600_000).default(1_000),
  NEO4J_LOCAL_HOME: z.string().min(1).default('.neo4j/server'),
  NEO4J_LOCAL_HTTP_PORT: port.default(7474),
  NEO4J_LOCAL_HEAP: size.default('1g'),
  NEO4J_LOCAL_PAGECACHE: size.default('512m'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(4000),
  /** How many API processes share the port (node:cluster): a number, or `auto` for one per core. */
  API_WORKERS: z.union([z.literal('auto'), count(1, 256)]).default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ATTACK_SOURCES: z
    .string()
    .default('attack:enterprise')
    .transform((s) => s.split(/[\s,]+/).filter(Boolean)),
  ATTACK_DATA_DIR: z.string().min(1).default('../shared/attack'),
  /** Where `attack:<domain>` fetches from: MITRE's attack-stix-data, or a mirror (or a test's server). */
  ATTACK_BASE_URL: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
    .default('https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master'),
  ATTACK_CACHE_DIR: z.string().min(1).default('.cache/attack'),
  /** How long a fetched latest bundle is used without asking again; 0: always ask (the copy is still the fallback). */
  ATTACK_CACHE_MAX_AGE_S: count(0, 31_536_000).default(86_400),
  BENCH_NEO4J_URI: z
    .string()
    .regex(/^(bolt|neo4j)(\+s|\+ssc)?:\/\/[^\s/]+\/?$/, 'expected bolt://, neo4j://, neo4j+s:// (host:port)')
    .default('bolt://127.0.0.1:18687'),
  BENCH_NEO4J_LOCAL_HOME: z.string().min(1).default('.neo4j/bench'),
  BENCH_NEO4J_LOCAL_HTTP_PORT: port.default(18474),

  // Profile: production turns off GraphiQL, introspection and field suggestions, and turns on
  // rate limiting and the response cache, unless the variables below say otherwise.
  NODE_ENV: z.string().default('development'),
  APP_ENV: z.preprocess(unset, z.enum(['development', 'production']).optional()),
  GRAPHIQL: flag,
  INTROSPECTION: flag,
  // The explorer web app (web/), served at `/` from its build.
  EXPLORER: z.enum(['true', 'false']).default('true'),
  EXPLORER_DIR: z.string().min(1).default('web/dist'),
  CORS_ORIGINS: list,
  CSRF_PREVENTION: flag,
  TRUST_PROXY_HOPS: count(0, 10).default(0),

  // Limits.
  MAX_DEPTH: count(1, 100).default(15),
  MAX_COST: count(1, 1_000_000_000).default(10_000_000),
  MAX_ALIASES: count(0, 10_000).default(200),
  MAX_DIRECTIVES: count(0, 1000).default(20),
  MAX_TOKENS: count(10, 1_000_000).default(5_000),
  MAX_BODY_BYTES: count(1024, 100_000_000).default(100_000),
  MAX_RESPONSE_BYTES: count(1024, 1_000_000_000).default(20_000_000),
  HTTP_BATCH_LIMIT: count(0, 100).default(0),
  REQUEST_TIMEOUT_MS: count(100, 600_000).default(15_000),
  HTTP_REQUEST_BODY_TIMEOUT_MS: count(100, 600_000).default(30_000),
  RATE_LIMIT_PER_MINUTE: optionalCount(0, 1_000_000),
  RATE_LIMIT_BURST: count(1, 1_000_000).default(60),

  // Access.
  API_KEYS: list,
  API_KEYS_FILE: z.string().default(''),

  // Caching.
  RESPONSE_CACHE_TTL_MS: optionalCount(0, 86_400_000),
  RESPONSE_CACHE_MAX_ENTRIES: count(1, 1_000_000).default(1_000),
  RESPONSE_CACHE_MAX_BYTES: count(1024, 1_000_000_000_000).default(64 * 1024 * 1024),
  CACHE_MAX_AGE_S: count(0, 86_400).default(60),
  DATA_VERSION_CHECK_MS: count(100, 3_600_000).default(5_000),
  PERSISTED_OPERATIONS_FILE: z.string().default(''),
  PERSISTED_OPERATIONS_ONLY: z.enum(['true', 'false']).default('false'),
  CONSISTENT_READS: z.enum(['true', 'false']).default('true'),
  GRAPHQL_JIT: z.enum(['true', 'false']).default('true'),

  // Observability.
  METRICS: z.enum(['true', 'false']).default('true'),

  // Importer. A string in V8 holds at most about 512 MiB, so the cap stays below that.
  IMPORT_MAX_BYTES: count(1024, 500_000_000).default(IMPORT_DEFAULTS.maxBytes),
  IMPORT_TIMEOUT_MS: count(100, 3_600_000).default(IMPORT_DEFAULTS.timeoutMs),
  IMPORT_DOWNLOAD_TIMEOUT_MS: count(1000, 86_400_000).default(IMPORT_DEFAULTS.downloadTimeoutMs),
  IMPORT_MAX_PAGES: count(1, 1_000_000).default(IMPORT_DEFAULTS.maxPages),
});

export type Env = z.input<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** SHA-256 digests of the API keys: the plain keys are dropped as soon as they are read. */
function apiKeyDigests(keys: string[], file: string, problems: string[]): Buffer[] {
  const all = [...keys];
  if (file) {
    try {
      const text = readFileSync(path.resolve(PROJECT_ROOT, file), 'utf8');
      // One key per line; blank lines and # comments skipped.
      all.push(
        ...text
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l && !l.startsWith('#')),
      );
    } catch (error) {
      problems.push(
        `API_KEYS_FILE: cannot read ${JSON.stringify(file)} (${(error as NodeJS.ErrnoException).code})`,
      );
    }
  }
  // The message never echoes a key.
  if (all.some((k) => k.length < 16)) problems.push('API_KEYS: every key needs at least 16 characters');
  return [...new Set(all)].map((k) => createHash('sha256').update(k).digest());
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '[::1]';
}

/** Parses the environment once and returns a typed, nested config; lists every problem at once. */
export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (i) => `${i.path.join('.')}: ${i.message} (got ${JSON.stringify(env[String(i.path[0])])})`,
      ),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  const keyDigests = apiKeyDigests(e.API_KEYS, e.API_KEYS_FILE, problems);
  // Acquiring a connection may include opening one: a shorter limit would cut that short.
  if (e.NEO4J_ACQUISITION_TIMEOUT_MS < e.NEO4J_CONNECTION_TIMEOUT_MS) {
    problems.push('NEO4J_ACQUISITION_TIMEOUT_MS: must be at least NEO4J_CONNECTION_TIMEOUT_MS');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const appEnv = e.APP_ENV ?? (e.NODE_ENV === 'production' ? 'production' : 'development');
  const production = appEnv === 'production';
  const neo4jAt = (uri: string, home: string, httpPort: number) => {
    const url = new URL(uri.replace(/^[a-z+]+:/, 'http:'));
    return {
      uri,
      user: e.NEO4J_USER,
      password: e.NEO4J_PASSWORD,
      database: e.NEO4J_DATABASE,
      maxPoolSize: e.NEO4J_MAX_POOL_SIZE,
      connectionTimeoutMs: e.NEO4J_CONNECTION_TIMEOUT_MS,
      acquisitionTimeoutMs: e.NEO4J_ACQUISITION_TIMEOUT_MS,
      maxRetryMs: e.NEO4J_MAX_RETRY_MS,
      /** Reads fail at once this long after Neo4j could not be reached, until a ping answers; 0: off. */
      circuitOpenMs: e.NEO4J_CIRCUIT_OPEN_MS,
      /** A local server is ours to start only when the URI points at this machine over plain bolt. */
      isLocal: isLoopback(url.hostname) && uri.startsWith('bolt://'),
      local: {
        home: path.resolve(PROJECT_ROOT, home),
        boltPort: Number(url.port || 7687),
        httpPort,
        heap: e.NEO4J_LOCAL_HEAP,
        pageCache: e.NEO4J_LOCAL_PAGECACHE,
      },
    };
  };
  return {
    neo4j: neo4jAt(e.NEO4J_URI, e.NEO4J_LOCAL_HOME, e.NEO4J_LOCAL_HTTP_PORT),
    server: {
      host: e.HOST,
      port: e.PORT,
      workers: e.API_WORKERS === 'auto' ? os.availableParallelism() : e.API_WORKERS,
    },
    log: { level: e.LOG_LEVEL },
    attack: {
      sources: e.ATTACK_SOURCES,
      dataDir: path.resolve(PROJECT_ROOT, e.ATTACK_DATA_DIR),
      /** `attack:<domain>` sources: where they come from, where they are kept, how long a copy stays fresh. */
      baseUrl: e.ATTACK_BASE_URL.replace(/\/+$/, ''),
      cacheDir: path.resolve(PROJECT_ROOT, e.ATTACK_CACHE_DIR),
      cacheMaxAgeMs: e.ATTACK_CACHE_MAX_AGE_S * 1000,
    },
    /** `npm run bench` empties this database: by default a dedicated local server, never the demo one. */
    bench: {
      neo4j: neo4jAt(e.BENCH_NEO4J_URI, e.BENCH_NEO4J_LOCAL_HOME, e.BENCH_NEO4J_LOCAL_HTTP_PORT),
    },
    app: { env: appEnv, production },
    http: {
      graphiql: e.GRAPHIQL ?? !production,
      introspection: e.INTROSPECTION ?? !production,
      /** Errors never say "did you mean ...": they would map the schema for a client that may not introspect. */
      fieldSuggestions: !production,
      /** Empty: no cross-origin access; `*`: any origin (never with credentials). */
      corsOrigins: e.CORS_ORIGINS,
      csrfPrevention: e.CSRF_PREVENTION ?? true,
      /** How many proxies in front of the API append to X-Forwarded-For (0: use the socket address). */
      trustProxyHops: e.TRUST_PROXY_HOPS,
      maxBodyBytes: e.MAX_BODY_BYTES,
      batchLimit: e.HTTP_BATCH_LIMIT,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      /** How long a client may take to send a whole request, headers and body (Node answers 408). */
      requestBodyTimeoutMs: e.HTTP_REQUEST_BODY_TIMEOUT_MS,
      /** Re-run an operation when an import committed while it ran (see use-consistent-reads.ts). */
      consistentReads: e.CONSISTENT_READS === 'true',
      /** Run each operation as a function compiled for its document (graphql-jit), kept with the parsed document. */
      jit: e.GRAPHQL_JIT === 'true',
      metrics: e.METRICS === 'true',
    },
    limits: {
      depth: e.MAX_DEPTH,
      cost: e.MAX_COST,
      aliases: e.MAX_ALIASES,
      directives: e.MAX_DIRECTIVES,
      tokens: e.MAX_TOKENS,
      /** The largest answer (JSON bytes) an operation may build; past it, it stops with RESPONSE_TOO_LARGE. */
      responseBytes: e.MAX_RESPONSE_BYTES,
    },
    rateLimit: {
      /** 0 turns rate limiting off. */
      perMinute: e.RATE_LIMIT_PER_MINUTE ?? (production ? 600 : 0),
      burst: e.RATE_LIMIT_BURST,
    },
    auth: { keyDigests },
    cache: {
      /** 0 turns the response cache off. */
      ttlMs: e.RESPONSE_CACHE_TTL_MS ?? (production ? 300_000 : 0),
      maxEntries: e.RESPONSE_CACHE_MAX_ENTRIES,
      /** The cached results' JSON together; the least recently used leave first. */
      maxBytes: e.RESPONSE_CACHE_MAX_BYTES,
      maxAgeSeconds: e.CACHE_MAX_AGE_S,
      dataVersionCheckMs: e.DATA_VERSION_CHECK_MS,
    },
    /** What the importer reads at most, and how long it waits (see docs/operations.md). */
    import: {
      maxBytes: e.IMPORT_MAX_BYTES,
      timeoutMs: e.IMPORT_TIMEOUT_MS,
      downloadTimeoutMs: e.IMPORT_DOWNLOAD_TIMEOUT_MS,
      maxPages: e.IMPORT_MAX_PAGES,
    },
    /** The explorer's built files (`npm run build:web`), served at `/`; off: the API alone. */
    explorer: { enabled: e.EXPLORER === 'true', dir: path.resolve(PROJECT_ROOT, e.EXPLORER_DIR) },
    persistedOperations: {
      file: e.PERSISTED_OPERATIONS_FILE ? path.resolve(PROJECT_ROOT, e.PERSISTED_OPERATIONS_FILE) : null,
      only: e.PERSISTED_OPERATIONS_ONLY === 'true',
    },
  };
}

export type Config = ReturnType<typeof loadConfig>;
