import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

import path from 'node:path';
import { API_NODE_FLAGS } from '../src/cluster.ts';
import { type Config, PROJECT_ROOT } from '../src/env.ts';
import { freePort } from './free-port.ts';

export interface Api {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** The GraphQL endpoint. */
  url: string;
  pid: number;
  /** Resident and peak resident memory of the API process, in bytes (Linux procfs). */
  memory(): { rss: number; peak: number };
  /** SIGTERM, then SIGKILL after 15 s. */
  stop(): Promise<void>;
  /** Resolves with the exit code once the process has exited (null when a signal killed it). */
  exited: Promise<number | null>;
  /** What the process wrote to stdout so far (its log lines). */
  stdout(): string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') * 1024, peak: kb('VmHWM') * 1024 };
}

/**
 * What production runs: NODE_ENV=production (libraries skip their development checks; the API's
 * profile follows it, see .env.example), without the one production default that would refuse a
 * load generator, the per-client rate limit (600 requests a minute). The response cache is set per
 * pass. The peer runs with the same NODE_ENV.
 */
export const PRODUCTION = { NODE_ENV: 'production', APP_ENV: 'production', RATE_LIMIT_PER_MINUTE: '0' };

/**
 * Runs the API exactly as `npm start` does (`scripts/start.ts`), in its own process so that its memory
 * is its own and the load generator does not share its event loop, on a free loopback port, over
 * the benchmark database. `env` adds settings (such as a response cache switch); `entry` runs
 * another server the same way (the peer, bench/peer/server.ts, with the same Node flags:
 * API_NODE_FLAGS), `nodeArgs` go to Node too (`--cpu-prof`).
 * The tests start `npm start`'s entry point with it too.
 */
export async function startApi(
  neo4jConfig: Config['neo4j'],
  env: Record<string, string> = {},
  {
    entry = path.join(PROJECT_ROOT, 'scripts', 'start.ts'),
    nodeArgs = [],
    readyWithinMs = 60_000,
  }: { entry?: string; nodeArgs?: string[]; readyWithinMs?: number } = {},
): Promise<Api> {
  const port = await freePort();
  const args = [...API_NODE_FLAGS, ...nodeArgs, '--import', 'tsx', entry];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NEO4J_URI: neo4jConfig.uri,
      NEO4J_USER: neo4jConfig.user,
      NEO4J_PASSWORD: neo4jConfig.password,
      NEO4J_DATABASE: neo4jConfig.database,
      NEO4J_LOCAL_HOME: neo4jConfig.local.home,
      NEO4J_LOCAL_HTTP_PORT: String(neo4jConfig.local.httpPort),
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (d) => (stderr += d));
  child.stdout?.on('data', (d) => (stdout += d));
  let exit: string | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = signal ? `killed by ${signal}` : `exit code ${code}`;
      resolve(code);
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (exit) throw new Error(`the API stopped during start-up (${exit}):\n${stderr.trim()}`);
    const ok = await fetch(`${base}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the API was not ready within ${readyWithinMs / 1000} s:\n${stderr.trim()}`);
    }
    await sleep(200);
  }
  const pid = child.pid as number;
  return {
    base,
    url: `${base}/graphql`,
    pid,
    memory: () => memoryOf(pid),
    exited,
    stdout: () => stdout,
    stop: async () => {
      if (exit) return;
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))]);
    },
  };
}

/** `startApi` with PRODUCTION underneath `env`: what the benchmark measures (ours and the peer). */
export const startProductionApi = (...[db, env = {}, options]: Parameters<typeof startApi>): Promise<Api> =>
  startApi(db, { ...PRODUCTION, ...env }, options);
