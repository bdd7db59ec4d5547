/**
 * `npm run db:start|db:stop|db:status`: the local Neo4j server from Maven Central jars, configured
 * like everything else through src/env.ts.
 */
import { loadConfig } from '../src/env.ts';
import {
  localNeo4jStatus,
  NEO4J_VERSION,
  startLocalNeo4j,
  stopLocalNeo4j,
} from '../src/local-neo4j/index.ts';

const USAGE = 'usage: tsx scripts/db.ts start|stop|status';

async function main(command: string | undefined): Promise<void> {
  if (command !== 'start' && command !== 'stop' && command !== 'status') throw new Error(USAGE);
  const { neo4j } = loadConfig();
  if (!neo4j.isLocal) {
    console.log(
      `NEO4J_URI is ${neo4j.uri}, not bolt:// on this machine: there is no local server to ${command}.`,
    );
    return;
  }
  const { home, boltPort, httpPort, heap, pageCache } = neo4j.local;

  if (command === 'start') {
    const started = Date.now();
    const log = (line: string) => console.log(line);
    const { uri, pid, alreadyRunning } = await startLocalNeo4j({
      home,
      boltPort,
      httpPort,
      user: neo4j.user,
      password: neo4j.password,
      heap,
      pageCache,
      log,
    });
    const how = alreadyRunning
      ? 'is already running'
      : `started in ${((Date.now() - started) / 1000).toFixed(1)} s`;
    console.log(`Neo4j ${NEO4J_VERSION} ${how} at ${uri} (pid ${pid}, home ${home})`);
  } else if (command === 'stop') {
    console.log((await stopLocalNeo4j(home)) ? 'Neo4j stopped.' : 'Neo4j was not running.');
  } else {
    const s = await localNeo4jStatus(home);
    console.log(
      s.running
        ? `Neo4j ${NEO4J_VERSION} is running (pid ${s.pid}, bolt://127.0.0.1:${s.boltPort}, home ${home})`
        : `Neo4j is not running (home ${home})`,
    );
  }
}

main(process.argv[2]).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
