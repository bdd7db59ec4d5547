/**
 * Picks the Neo4j every test talks to, in this order:
 *   1. NEO4J_URI, when it is set (with NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE);
 *   2. a throwaway testcontainers Neo4j, when a Docker engine answers;
 *   3. the local Maven-fetched server in .neo4j/test on ports 17687/17474, stopped after the run
 *      unless it was already running.
 * Test files reset the database they are given: never point NEO4J_URI at data you want to keep.
 */
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig, PROJECT_ROOT } from '../../src/env.ts';
import { startLocalNeo4j, stopLocalNeo4j } from '../../src/local-neo4j/index.ts';
import { NEO4J_IMAGE } from './neo4j-image.ts';

export interface TestNeo4j {
  source: 'env' | 'container' | 'local';
  uri: string;
  user: string;
  password: string;
  database: string;
  /** Set when the tests run the local server, so a test can stop and restart it. */
  local?: { home: string; boltPort: number; httpPort: number };
}

declare module 'vitest' {
  export interface ProvidedContext {
    neo4j: TestNeo4j;
  }
}

const TEST_PASSWORD = 'attack-graph-test';
const LOCAL = { home: path.join(PROJECT_ROOT, '.neo4j', 'test'), boltPort: 17687, httpPort: 17474 };
const DOCKER_PROBE_MS = 5_000;

const say = (line: string) => console.log(`[test neo4j] ${line}`);

/** Whether a Docker engine answers; gives up quickly, because most of our machines have none. */
async function dockerAnswers(): Promise<boolean> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), DOCKER_PROBE_MS);
  });
  try {
    return await Promise.race([getContainerRuntimeClient().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

async function pick(): Promise<{ target: TestNeo4j; teardown?: () => Promise<void> }> {
  if (process.env.NEO4J_URI) {
    const { neo4j } = loadConfig();
    say(`using NEO4J_URI ${neo4j.uri} (database ${neo4j.database}); the tests delete its data`);
    const { uri, user, password, database } = neo4j;
    return { target: { source: 'env', uri, user, password, database } };
  }

  if (await dockerAnswers()) {
    const { Neo4jContainer } = await import('@testcontainers/neo4j');
    say(`starting a ${NEO4J_IMAGE} container`);
    const container = await new Neo4jContainer(NEO4J_IMAGE).withPassword(TEST_PASSWORD).start();
    return {
      target: {
        source: 'container',
        uri: container.getBoltUri(),
        user: container.getUsername(),
        password: container.getPassword(),
        database: 'neo4j',
      },
      teardown: async () => {
        await container.stop();
      },
    };
  }

  say(
    `no NEO4J_URI and no Docker engine: using the local server in ${path.relative(PROJECT_ROOT, LOCAL.home)}`,
  );
  const started = await startLocalNeo4j({ ...LOCAL, password: TEST_PASSWORD, log: say });
  say(`${started.alreadyRunning ? 'already running' : 'started'} at ${started.uri}`);
  return {
    target: {
      source: 'local',
      uri: started.uri,
      user: 'neo4j',
      password: TEST_PASSWORD,
      database: 'neo4j',
      local: LOCAL,
    },
    // A server someone else started stays up; one this run started goes down with it.
    teardown: started.alreadyRunning ? undefined : async () => void (await stopLocalNeo4j(LOCAL.home)),
  };
}

export default async function setup(project: TestProject) {
  const { target, teardown } = await pick();
  project.provide('neo4j', target);
  return teardown;
}
