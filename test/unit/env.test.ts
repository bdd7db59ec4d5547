import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, envSchema, loadConfig, PROJECT_ROOT } from '../../src/env.ts';

/** `NAME=value` lines of .env.example; comments and blank lines skipped. */
async function exampleEnv(): Promise<Map<string, string>> {
  const text = await readFile(path.join(PROJECT_ROOT, '.env.example'), 'utf8');
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m?.[1] !== undefined) {
      expect(entries.has(m[1]), `${m[1]} is listed twice`).toBe(false);
      entries.set(m[1], (m[2] ?? '').trim());
    }
  }
  return entries;
}

describe('loadConfig', () => {
  it('defaults to a local Neo4j on 7687 and an API on 127.0.0.1:4000', () => {
    const config = loadConfig({});
    expect(config.neo4j).toMatchObject({
      uri: 'bolt://127.0.0.1:7687',
      user: 'neo4j',
      database: 'neo4j',
      isLocal: true,
      local: { boltPort: 7687, httpPort: 7474 },
    });
    expect(config.neo4j.local.home).toBe(path.join(PROJECT_ROOT, '.neo4j', 'server'));
    expect(config.server).toEqual({ host: '127.0.0.1', port: 4000, workers: 1 });
    expect(config.log.level).toBe('info');
    expect(config.attack.sources).toEqual(['attack:enterprise']);
  });

  it('accepts cluster and Aura URIs, which are never started locally', () => {
    for (const uri of [
      'neo4j://db.example.com:7687',
      'neo4j+s://abcd1234.databases.neo4j.io',
      'bolt+s://db:7687',
    ]) {
      const config = loadConfig({ NEO4J_URI: uri });
      expect(config.neo4j.uri).toBe(uri);
      expect(config.neo4j.isLocal).toBe(false);
    }
    const local = loadConfig({ NEO4J_URI: 'bolt://localhost:7688' });
    expect(local.neo4j.isLocal).toBe(true);
    expect(local.neo4j.local.boltPort).toBe(7688);
  });

  it('coerces numbers and splits the source list', () => {
    const config = loadConfig({ PORT: '8080', ATTACK_SOURCES: 'attack:enterprise, ../a.json  attack:ics' });
    expect(config.server.port).toBe(8080);
    expect(config.attack.sources).toEqual(['attack:enterprise', '../a.json', 'attack:ics']);
  });

  it('takes API_WORKERS as a number of processes, or auto for one per core', () => {
    expect(loadConfig({ API_WORKERS: '3' }).server.workers).toBe(3);
    expect(loadConfig({ API_WORKERS: 'auto' }).server.workers).toBe(os.availableParallelism());
    for (const bad of ['0', 'many', '1.5']) {
      expect(() => loadConfig({ API_WORKERS: bad })).toThrow(/API_WORKERS/);
    }
  });

  it('lists every problem of a bad environment at once, each naming its variable', () => {
    const bad = {
      NEO4J_URI: 'http://127.0.0.1:7474',
      NEO4J_PASSWORD: 'short',
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      NEO4J_LOCAL_HEAP: 'lots',
    };
    const error = (() => {
      try {
        loadConfig(bad);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(Object.keys(bad).length);
    for (const name of Object.keys(bad)) {
      expect(problems.filter((p) => p.startsWith(`${name}:`))).toHaveLength(1);
    }
    for (const problem of problems) expect((error as ConfigError).message).toContain(problem);
  });
});

describe('Neo4j timeouts, circuit breaker and cache budget', () => {
  it('default to bounded waits, a 1 s circuit and a 64 MiB cache, and take other values', () => {
    const defaults = loadConfig({});
    expect(defaults.neo4j).toMatchObject({
      connectionTimeoutMs: 3_000,
      acquisitionTimeoutMs: 3_000,
      maxRetryMs: 1_000,
      circuitOpenMs: 1_000,
    });
    expect(defaults.cache.maxBytes).toBe(64 * 1024 * 1024);
    const set = loadConfig({
      NEO4J_CONNECTION_TIMEOUT_MS: '500',
      NEO4J_ACQUISITION_TIMEOUT_MS: '800',
      NEO4J_MAX_RETRY_MS: '0',
      NEO4J_CIRCUIT_OPEN_MS: '0',
      RESPONSE_CACHE_MAX_BYTES: '1048576',
    });
    expect(set.neo4j).toMatchObject({
      connectionTimeoutMs: 500,
      acquisitionTimeoutMs: 800,
      maxRetryMs: 0,
      circuitOpenMs: 0,
    });
    expect(set.cache.maxBytes).toBe(1_048_576);
  });

  it('refuses an acquisition timeout shorter than the connection timeout (it includes opening one)', () => {
    expect(() =>
      loadConfig({ NEO4J_CONNECTION_TIMEOUT_MS: '5000', NEO4J_ACQUISITION_TIMEOUT_MS: '1000' }),
    ).toThrow(/NEO4J_ACQUISITION_TIMEOUT_MS: must be at least NEO4J_CONNECTION_TIMEOUT_MS/);
  });
});

describe('.env.example', () => {
  it('lists exactly the variables of src/env.ts', async () => {
    const listed = [...(await exampleEnv()).keys()].sort();
    expect(listed).toEqual(Object.keys(envSchema.shape).sort());
  });

  it('gives each variable its default value', async () => {
    const example = Object.fromEntries(await exampleEnv());
    expect(loadConfig(example)).toEqual(loadConfig({}));
  });

  it('explains each variable in a comment line above it', async () => {
    const lines = (await readFile(path.join(PROJECT_ROOT, '.env.example'), 'utf8')).split('\n');
    lines.forEach((line, i) => {
      if (/^[A-Z][A-Z0-9_]*=/.test(line)) expect(lines[i - 1], `no comment above ${line}`).toMatch(/^# \S/);
    });
  });
});
