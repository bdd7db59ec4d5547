import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import neo4j from 'neo4j-driver';
import { afterAll, describe, expect, it } from 'vitest';
import {
  localNeo4jStatus,
  NEO4J_VERSION,
  startLocalNeo4j,
  stopLocalNeo4j,
} from '../src/local-neo4j/index.ts';

// Not the default ports, so a developer's own server on 7687/7474 doesn't get in the way.
const BOLT = 17787;
const HTTP = 17574;
const PASSWORD = 'local-neo4j-test';

async function query(uri: string, password: string, cypher: string) {
  const driver = neo4j.driver(uri, neo4j.auth.basic('neo4j', password), { disableLosslessIntegers: true });
  try {
    return (await driver.executeQuery(cypher)).records.map((r) => r.toObject());
  } finally {
    await driver.close();
  }
}

function occupy(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('local Neo4j from Maven Central jars', () => {
  const homes: string[] = [];
  const newHome = async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'local-neo4j-'));
    homes.push(home);
    return home;
  };
  let home = '';

  afterAll(async () => {
    for (const h of homes) {
      await stopLocalNeo4j(h);
      await rm(h, { recursive: true, force: true });
    }
  }, 120_000);

  it('the pom takes its Neo4j version from NEO4J_VERSION rather than pinning its own', async () => {
    const pom = await readFile(new URL('../src/local-neo4j/pom.xml', import.meta.url), 'utf8');
    expect(pom).toMatch(/<version>\$\{neo4j\.version\}<\/version>/);
    expect(pom).not.toMatch(/<neo4j\.version>/);
  });

  it('starts a real server that answers Cypher with the configured password', async () => {
    home = await newHome();
    const lines: string[] = [];
    const started = await startLocalNeo4j({
      home,
      boltPort: BOLT,
      httpPort: HTTP,
      password: PASSWORD,
      heap: '512m',
      pageCache: '128m',
      log: (l) => lines.push(l),
    });
    expect(started).toMatchObject({ uri: `bolt://127.0.0.1:${BOLT}`, alreadyRunning: false });
    expect(lines.join('\n')).toContain('initial password');
    expect(await query(started.uri, PASSWORD, 'RETURN 1 AS one')).toEqual([{ one: 1 }]);
    const [kernel] = await query(started.uri, PASSWORD, 'CALL dbms.components() YIELD versions, edition');
    expect(kernel).toEqual({ versions: [NEO4J_VERSION], edition: 'community' });
  }, 600_000);

  it('refuses a wrong password', async () => {
    await expect(query(`bolt://127.0.0.1:${BOLT}`, 'not-the-password', 'RETURN 1')).rejects.toMatchObject({
      code: 'Neo.ClientError.Security.Unauthorized',
    });
  });

  it('is idempotent: a second start finds the running server', async () => {
    const { pid } = await localNeo4jStatus(home);
    const again = await startLocalNeo4j({ home, boltPort: BOLT, httpPort: HTTP, password: PASSWORD });
    expect(again).toEqual({ uri: `bolt://127.0.0.1:${BOLT}`, pid, alreadyRunning: true });
    expect(await localNeo4jStatus(home)).toEqual({ running: true, pid, boltPort: BOLT });
  }, 60_000);

  it('fails fast with a clear message when a port is taken by another process', async () => {
    const other = await newHome();
    const blocker = await occupy(BOLT + 1);
    try {
      const t0 = Date.now();
      await expect(
        startLocalNeo4j({ home: other, boltPort: BOLT + 1, httpPort: HTTP + 1, password: PASSWORD }),
      ).rejects.toThrow(
        `port ${BOLT + 1} on 127.0.0.1 is already in use by another process; set NEO4J_URI to another port or stop it`,
      );
      // The running test server holds HTTP: the check covers that port too.
      await expect(
        startLocalNeo4j({ home: other, boltPort: BOLT + 2, httpPort: HTTP, password: PASSWORD }),
      ).rejects.toThrow(`port ${HTTP} on 127.0.0.1 is already in use`);
      expect(Date.now() - t0).toBeLessThan(5_000);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('ignores a stale pid file that names some other live process', async () => {
    const other = await newHome();
    await mkdir(path.join(other, 'run'));
    await writeFile(path.join(other, 'run', 'neo4j.pid'), String(process.pid));
    expect(await localNeo4jStatus(other)).toEqual({ running: false });
    expect(await stopLocalNeo4j(other)).toBe(false);
  });

  it('stops the server and reports it stopped', async () => {
    expect(await stopLocalNeo4j(home)).toBe(true);
    expect(await localNeo4jStatus(home)).toEqual({ running: false });
    expect(await stopLocalNeo4j(home)).toBe(false);
    // verifyConnectivity, not executeQuery: the latter retries an unavailable server for 30 s.
    const driver = neo4j.driver(`bolt://127.0.0.1:${BOLT}`, neo4j.auth.basic('neo4j', PASSWORD));
    await expect(driver.verifyConnectivity()).rejects.toMatchObject({ code: 'ServiceUnavailable' });
    await driver.close();
  }, 120_000);
});
