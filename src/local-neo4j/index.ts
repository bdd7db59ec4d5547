import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import neo4j from 'neo4j-driver';

/** The one place the local server's version is written; the pom gets it as -Dneo4j.version. */
export const NEO4J_VERSION = '5.26.30';

export interface LocalNeo4jOptions {
  home: string;
  boltPort: number;
  httpPort: number;
  user?: string;
  password: string;
  heap?: string;
  pageCache?: string;
  log?: (line: string) => void;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ENTRY_POINT = 'org.neo4j.server.CommunityEntryPoint';
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;

function files(home: string) {
  return {
    conf: path.join(home, 'conf', 'neo4j.conf'),
    pid: path.join(home, 'run', 'neo4j.pid'),
    javaArgs: path.join(home, 'run', 'classpath.args'),
    classpath: path.join(home, 'lib', `neo4j-${NEO4J_VERSION}.classpath`),
    systemDb: path.join(home, 'data', 'databases', 'system'),
    logs: ['neo4j.log', 'console.log'].map((f) => path.join(home, 'logs', f)),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tail = (text: string, n = 40) => text.trimEnd().split('\n').slice(-n).join('\n');
const javaBin = () => (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java');

/** Runs a short-lived tool, keeping its output quiet unless it fails. */
function run(cmd: string, args: string[], what: string, env?: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new Error(`${what}: '${cmd}' is not installed or not on PATH`) : e),
    );
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${what} (exit ${code}):\n${tail(out)}`)),
    );
  });
}

async function resolveClasspath(file: string, log: (l: string) => void): Promise<string> {
  const cached = (await readFile(file, 'utf8').catch(() => '')).trim();
  const jars = cached === '' ? [] : cached.split(path.delimiter);
  // The jars live in ~/.m2, which can be pruned behind our back: trust the cache only if all are there.
  if (jars.length > 0 && jars.every((jar) => existsSync(jar))) return cached;
  log(`Resolving Neo4j ${NEO4J_VERSION} jars with Maven (the first run downloads about 120 MB)...`);
  const maven = ['-B', '-q', '-f', path.join(HERE, 'pom.xml'), `-Dneo4j.version=${NEO4J_VERSION}`];
  const goal = ['dependency:build-classpath', '-Dmdep.includeScope=runtime', `-Dmdep.outputFile=${file}`];
  await run('mvn', [...maven, ...goal], 'Maven failed');
  return (await readFile(file, 'utf8')).trim();
}

function isAlive(pid: number): boolean {
  try {
    return pid > 0 && process.kill(pid, 0);
  } catch {
    return false;
  }
}

/** Whether pid is alive and is the Neo4j of this home: pid files go stale and pids get reused. */
function isNeo4jOf(pid: number, home: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(ENTRY_POINT) && cmdline.includes(`--home-dir=${home}\0`);
  } catch {
    return !existsSync('/proc/self'); // no procfs (macOS): the signal check is all we have
  }
}

const readText = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

function runningPid(home: string): number | undefined {
  const pid = Number.parseInt(readText(files(home).pid), 10);
  return pid > 0 && isNeo4jOf(pid, home) ? pid : undefined;
}

function configuredBoltPort(home: string): number | undefined {
  const port = /^server\.bolt\.listen_address=.*:(\d+)\s*$/m.exec(readText(files(home).conf))?.[1];
  return port ? Number(port) : undefined;
}

function assertPortFree(port: number, hint: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new Error(`port ${port} on 127.0.0.1 is already in use by another process; ${hint}`)
          : e,
      ),
    );
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** The template with its {{placeholders}} filled in, and the JVM options it lists. */
function neo4jConf(values: Record<string, string | number>): { conf: string; jvmOptions: string[] } {
  const template = readFileSync(path.join(HERE, 'neo4j.conf'), 'utf8');
  const conf = template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    if (values[key] === undefined) throw new Error(`neo4j.conf template: no value for {{${key}}}`);
    return String(values[key]);
  });
  const jvmOptions = [...conf.matchAll(/^server\.jvm\.additional=(.+?)\s*$/gm)].map((m) => m[1] ?? '');
  return { conf, jvmOptions };
}

/** Lengths of the logs now, so a failure shows only what this start wrote. */
const logOffsets = (logs: string[]) => logs.map((f) => readText(f).length);

function startError(reason: string, logs: string[], offsets: number[]): Error {
  const parts = [reason];
  logs.forEach((file, i) => {
    const text = readText(file).slice(offsets[i] ?? 0);
    if (text.trim().length > 2) parts.push(`--- last lines of ${file} ---\n${tail(text)}`);
  });
  return new Error(parts.join('\n'));
}

class AuthRejected extends Error {}

async function waitForBolt(uri: string, user: string, password: string, gone: () => string | undefined) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const driver = neo4j.driver(uri, neo4j.auth.basic(user, password), { connectionTimeout: 2_000 });
    const session = driver.session();
    try {
      await driver.verifyConnectivity();
      // Bolt opens before the default database is online; a query proves it is (and, unlike
      // executeQuery, a bare session does not retry, so a dying server is noticed promptly).
      await session.run('RETURN 1');
      return;
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      if (code.startsWith('Neo.ClientError.Security.')) {
        throw new AuthRejected(
          `Neo4j is up at ${uri} but refused user '${user}' (${code}). The password is fixed when the server's ` +
            'home is first started: use that password, or stop the server and delete its data folder.',
        );
      }
    } finally {
      await session.close();
      await driver.close();
    }
    const why = gone();
    if (why) throw new Error(`Neo4j stopped during startup (${why})`);
    if (Date.now() > deadline)
      throw new Error(`Bolt did not answer at ${uri} within ${START_TIMEOUT_MS / 1000} s`);
    await sleep(300);
  }
}

/** Serialises starts of one home, so a second one waits and then finds the server the first started. */
async function withStartLock<T>(home: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(home, 'run', 'start.lock');
  await mkdir(path.dirname(lock), { recursive: true });
  // The holder may be downloading the jars before its own START_TIMEOUT_MS: wait longer than that.
  for (const end = Date.now() + 2.5 * START_TIMEOUT_MS; ; await sleep(200)) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number.parseInt(readText(lock), 10);
      if (!isAlive(owner)) {
        await rm(lock, { force: true }); // left behind by a start that was killed
      } else if (Date.now() > end) {
        throw new Error(`another start of ${home} (pid ${owner}) still holds ${lock}`);
      }
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

export function startLocalNeo4j(
  o: LocalNeo4jOptions,
): Promise<{ uri: string; pid: number; alreadyRunning: boolean }> {
  return withStartLock(path.resolve(o.home), () => start(o));
}

async function start(o: LocalNeo4jOptions): Promise<{ uri: string; pid: number; alreadyRunning: boolean }> {
  const home = path.resolve(o.home);
  const f = files(home);
  const log = o.log ?? (() => {});
  const user = o.user ?? 'neo4j';
  const heap = o.heap ?? '1g';
  const uri = `bolt://127.0.0.1:${o.boltPort}`;
  if (o.password.length < 8) throw new Error('Neo4j 5 needs a password of at least 8 characters');

  const existing = runningPid(home);
  if (existing !== undefined) {
    const port = configuredBoltPort(home);
    if (port !== o.boltPort) {
      throw new Error(`Neo4j in ${home} is already running (pid ${existing}) on port ${port}; stop it first`);
    }
    await waitForBolt(uri, user, o.password, () => (runningPid(home) ? undefined : 'process exited'));
    return { uri, pid: existing, alreadyRunning: true };
  }

  await assertPortFree(o.boltPort, 'set NEO4J_URI to another port or stop it');
  await assertPortFree(o.httpPort, 'set NEO4J_LOCAL_HTTP_PORT to another port or stop it');
  await Promise.all(
    ['conf', 'data', 'logs', 'run', 'import', 'lib'].map((d) =>
      mkdir(path.join(home, d), { recursive: true }),
    ),
  );
  const classpath = await resolveClasspath(f.classpath, log);
  const { conf, jvmOptions } = neo4jConf({
    boltPort: o.boltPort,
    httpPort: o.httpPort,
    heap,
    pageCache: o.pageCache ?? '512m',
  });
  await writeFile(f.conf, conf);
  // An argument file keeps the ~20 kB classpath out of `ps` listings.
  await writeFile(f.javaArgs, `-cp "${classpath.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"\n`);

  if (!existsSync(f.systemDb)) {
    log(`Setting the initial password of user 'neo4j'`);
    await run(
      javaBin(),
      [`@${f.javaArgs}`, 'org.neo4j.cli.AdminTool', 'dbms', 'set-initial-password', o.password],
      'neo4j-admin dbms set-initial-password failed',
      { NEO4J_HOME: home, NEO4J_CONF: path.dirname(f.conf) },
    );
  }

  const offsets = logOffsets(f.logs);
  const out = openSync(path.join(home, 'logs', 'console.log'), 'a');
  const args = [`@${f.javaArgs}`, ...jvmOptions, `-Xms${heap}`, `-Xmx${heap}`, ENTRY_POINT];
  const child = spawn(javaBin(), [...args, `--home-dir=${home}`, `--config-dir=${path.dirname(f.conf)}`], {
    cwd: home,
    detached: true, // its own session: Ctrl-C on `db:start` must not take the server down
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = signal ? `killed by ${signal}` : `exit code ${code}`));
  const spawnError = await new Promise<Error | undefined>((r) => {
    child.once('error', r);
    child.once('spawn', () => r(undefined));
  });
  if (spawnError || child.pid === undefined) {
    throw new Error(
      `could not run ${javaBin()} (set JAVA_HOME or put Java 17 on PATH): ${spawnError?.message}`,
    );
  }
  const pid = child.pid;
  child.unref();
  await writeFile(f.pid, String(pid)); // Neo4j writes it too, but only once it has booted
  log(`Started Neo4j ${NEO4J_VERSION} (pid ${pid}); waiting for Bolt at ${uri}`);
  try {
    await waitForBolt(uri, user, o.password, () => exit);
  } catch (e) {
    if (e instanceof AuthRejected) throw e; // the server itself is fine: leave it running
    // Only our own child: the pid file may name a server that a concurrent start won the race with.
    await terminate(pid, home);
    if (readText(f.pid).trim() === String(pid)) await rm(f.pid, { force: true });
    throw startError((e as Error).message, f.logs, offsets);
  }
  return { uri, pid, alreadyRunning: false };
}

/** SIGTERM, on which Neo4j checkpoints and shuts down cleanly (in ~0.3 s here); SIGKILL if it hangs. */
async function terminate(pid: number, home: string): Promise<void> {
  const gone = async (ms: number) => {
    const end = Date.now() + ms;
    while (isNeo4jOf(pid, home) && Date.now() < end) await sleep(100);
    return !isNeo4jOf(pid, home);
  };
  const send = (signal: NodeJS.Signals) => {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false; // already gone
    }
  };
  if (!send('SIGTERM') || (await gone(STOP_TIMEOUT_MS))) return;
  if (!send('SIGKILL') || (await gone(10_000))) return;
  throw new Error(`Neo4j (pid ${pid}) survived SIGKILL`);
}

export async function stopLocalNeo4j(home: string): Promise<boolean> {
  const dir = path.resolve(home);
  const pid = runningPid(dir);
  if (pid !== undefined) await terminate(pid, dir);
  await rm(files(dir).pid, { force: true });
  return pid !== undefined;
}

export async function localNeo4jStatus(
  home: string,
): Promise<{ running: boolean; pid?: number; boltPort?: number }> {
  const dir = path.resolve(home);
  const pid = runningPid(dir);
  return pid === undefined ? { running: false } : { running: true, pid, boltPort: configuredBoltPort(dir) };
}
