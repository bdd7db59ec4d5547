import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../bench/free-port.ts';
import { PROJECT_ROOT } from '../../src/env.ts';
import { testConfig } from './db.ts';

/** The entry point `npm start` runs (package.json), run here without npm so signals reach it. */
export const START_ENTRY = path.join(PROJECT_ROOT, 'scripts', 'start.ts');

export interface Started {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Every line written to stderr so far. */
  stderr(): string;
}

/**
 * Runs `npm start`'s entry point over the test database on a free loopback port, with `env` on top,
 * and resolves once /ready answers 200 (Neo4j answers and holds ATT&CK data).
 */
export async function startApi(env: Record<string, string> = {}, readyWithinMs = 120_000): Promise<Started> {
  const { neo4j } = testConfig();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', START_ENTRY], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      NEO4J_URI: neo4j.uri,
      NEO4J_USER: neo4j.user,
      NEO4J_PASSWORD: neo4j.password,
      NEO4J_DATABASE: neo4j.database,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + readyWithinMs;
  const ready = () =>
    fetch(`${base}/ready`, { headers: { connection: 'close' } }).then(
      (r) => r.ok,
      () => false,
    );
  while (!(await ready())) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`npm start was not ready within ${readyWithinMs / 1000} s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, base, exited, stderr: () => stderr };
}
