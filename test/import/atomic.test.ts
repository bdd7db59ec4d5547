import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSource } from '../../import/index.ts';
import { loadConfig, PROJECT_ROOT } from '../../src/env.ts';
import { startLocalNeo4j, stopLocalNeo4j } from '../../src/local-neo4j/index.ts';
import { createDriver } from '../../src/neo4j/driver.ts';
import { createExecutor } from '../../src/neo4j/executor.ts';
import { connectTestDb, type TestDb } from '../helpers/db.ts';
import { graphCounts, graphDigest } from '../helpers/graph.ts';
import { bundlePath } from '../helpers/paths.ts';
import { expectedCounts, readBundle } from '../helpers/stix-counts.ts';

const OLD = bundlePath('enterprise-attack-17.1');
const NEW = bundlePath('enterprise-attack-18.1');
const DOMAIN = 'enterprise-attack';

/** Runs the import CLI and resolves once it reports `phase` on stderr, so a kill lands mid-transaction. */
function importUntil(env: Record<string, string>, phase: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'import/cli.ts', NEW], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(`: ${phase} (`)) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`import exited (${code}) before "${phase}":\n${seen}`)));
  });
}

const exited = (child: ChildProcess) => new Promise((resolve) => child.once('exit', resolve));

describe('a killed importer', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await connectTestDb();
    await db.reset();
    await importSource(db.executor, OLD);
  });
  afterAll(() => db.close());

  for (const phase of ['write nodes', 'write relationships', 'delete nodes']) {
    it(`killed with SIGKILL during "${phase}" leaves the previous graph intact and queryable`, async () => {
      const before = await graphDigest(db.executor);
      const { uri, user, password, database } = db.config.neo4j;
      const child = await importUntil(
        { NEO4J_URI: uri, NEO4J_USER: user, NEO4J_PASSWORD: password, NEO4J_DATABASE: database },
        phase,
      );
      child.kill('SIGKILL');
      await exited(child);
      expect(await graphDigest(db.executor)).toEqual(before);
    });
  }

  it('converges when the import runs again', async () => {
    await importSource(db.executor, NEW);
    expect(await graphCounts(db.executor, DOMAIN, '18.1')).toEqual(expectedCounts(readBundle(NEW), DOMAIN));
    expect((await importSource(db.executor, NEW)).changed).toBe(false);
  });
});

function hasJava(): boolean {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    execFileSync('mvn', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// This test kills the database itself, so it runs its own local server rather than the shared one.
describe.skipIf(!hasJava())('a Neo4j that dies mid-import', () => {
  const server = {
    home: path.join(PROJECT_ROOT, '.neo4j', 'test-crash'),
    boltPort: 17887,
    httpPort: 17874,
    password: 'attack-graph-crash',
  };
  const config = loadConfig({
    NEO4J_URI: `bolt://127.0.0.1:${server.boltPort}`,
    NEO4J_PASSWORD: server.password,
  });
  const connect = () => createExecutor(createDriver(config.neo4j), { database: 'neo4j' });

  afterAll(async () => {
    await stopLocalNeo4j(server.home);
    await rm(server.home, { recursive: true, force: true });
  });

  it('leaves the previous graph intact after a restart, and a rerun converges', async () => {
    await rm(server.home, { recursive: true, force: true });
    const { pid } = await startLocalNeo4j(server);
    let executor = connect();
    await importSource(executor, OLD);
    const before = await graphDigest(executor);

    let crashed = false;
    const failed = importSource(executor, NEW, {
      onProgress: ({ phase }) => {
        if (phase === 'write relationships' && !crashed) {
          crashed = true;
          process.kill(pid, 'SIGKILL');
        }
      },
    }).then(
      () => 'committed',
      (err: Error) => err.message,
    );
    expect(await failed).not.toBe('committed');
    expect(crashed).toBe(true);
    await executor.close();

    await startLocalNeo4j(server);
    executor = connect();
    try {
      expect(await graphDigest(executor)).toEqual(before);
      await importSource(executor, NEW);
      expect(await graphCounts(executor, DOMAIN, '18.1')).toEqual(expectedCounts(readBundle(NEW), DOMAIN));
    } finally {
      await executor.close();
    }
    // Two imports and two server starts: minutes on a busy two-core machine.
  }, 300_000);
});
