import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

import path from 'node:path';
import { type Config, PROJECT_ROOT } from '../src/env.ts';
import { freePort } from './free-port.ts';

export interface Api {
  url: string;
  pid: number;
  /** Resident and peak resident memory of the API process, in bytes (Linux procfs). */
  memory(): { rss: number; peak: number };
  stop(): Promise<void>;
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
 * Runs the API exactly as `npm start` does in production (PRODUCTION) (`src/main.ts`), in its own process so that its memory
 * is its own and the load generator does not share its event loop, on a free loopback port, over
 * the benchmark database. `env` adds settings (such as a response cache switch); `entry` runs
 * another server the same way (the peer, bench/peer/server.ts), `nodeArgs` go to Node (`--cpu-prof`).
 */
export async function startApi(
  neo4jConfig: Config['neo4j'],
  env: Record<string, string> = {},
  {
    entry = path.join(PROJECT_ROOT, 'src', 'main.ts'),
    nodeArgs = [],
  }: { entry?: string; nodeArgs?: string[] } = {},
): Promise<Api> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      NEO4J_URI: neo4jConfig.uri,
      NEO4J_LOCAL_HOME: neo4jConfig.local.home,
      NEO4J_LOCAL_HTTP_PORT: String(neo4jConfig.local.httpPort),
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ...PRODUCTION,
      ...env,
    },
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = signal ? `killed by ${signal}` : `exit code ${code}`));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exit) throw new Error(`the API stopped during start-up (${exit}):\n${stderr.trim()}`);
    const ok = await fetch(`${base}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the API was not ready within 60 s:\n${stderr.trim()}`);
    }
    await sleep(200);
  }
  const pid = child.pid as number;
  return {
    url: `${base}/graphql`,
    pid,
    memory: () => memoryOf(pid),
    stop: async () => {
      if (exit) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(15_000).then(() => child.kill('SIGKILL'))]);
    },
  };
}
