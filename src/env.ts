import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The project root: relative paths in the configuration resolve against it. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const port = z.coerce.number().int().min(1).max(65535);
const size = z.string().regex(/^\d+[kmg]$/i, 'expected a size such as 512m or 2g');

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
  NEO4J_LOCAL_HOME: z.string().min(1).default('.neo4j/server'),
  NEO4J_LOCAL_HTTP_PORT: port.default(7474),
  NEO4J_LOCAL_HEAP: size.default('1g'),
  NEO4J_LOCAL_PAGECACHE: size.default('512m'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(4000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ATTACK_SOURCES: z
    .string()
    .default('attack:enterprise')
    .transform((s) => s.split(/[\s,]+/).filter(Boolean)),
  ATTACK_DATA_DIR: z.string().min(1).default('../shared/attack'),
});

export type Env = z.input<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
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
  const url = new URL(e.NEO4J_URI.replace(/^[a-z+]+:/, 'http:'));
  const boltPort = Number(url.port || 7687);
  return {
    neo4j: {
      uri: e.NEO4J_URI,
      user: e.NEO4J_USER,
      password: e.NEO4J_PASSWORD,
      database: e.NEO4J_DATABASE,
      maxPoolSize: e.NEO4J_MAX_POOL_SIZE,
      /** A local server is ours to start only when the URI points at this machine over plain bolt. */
      isLocal: isLoopback(url.hostname) && e.NEO4J_URI.startsWith('bolt://'),
      local: {
        home: path.resolve(PROJECT_ROOT, e.NEO4J_LOCAL_HOME),
        boltPort,
        httpPort: e.NEO4J_LOCAL_HTTP_PORT,
        heap: e.NEO4J_LOCAL_HEAP,
        pageCache: e.NEO4J_LOCAL_PAGECACHE,
      },
    },
    server: { host: e.HOST, port: e.PORT },
    log: { level: e.LOG_LEVEL },
    attack: {
      sources: e.ATTACK_SOURCES,
      dataDir: path.resolve(PROJECT_ROOT, e.ATTACK_DATA_DIR),
    },
  };
}

export type Config = ReturnType<typeof loadConfig>;
