/**
 * The circuit breaker in front of the reads: a Neo4j that cannot be reached is asked once, and
 * then not again until a ping answers. The outage itself (a real Neo4j stopped and started under
 * load) is in faults-neo4j.test.ts.
 */
import neo4j, { Neo4jError } from 'neo4j-driver';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/env.ts';
import { CircuitOpenError, createCircuit } from '../../src/neo4j/circuit.ts';
import { createDriver } from '../../src/neo4j/driver.ts';
import { DatabaseUnavailableError, QueryTimeoutError } from '../../src/neo4j/errors.ts';
import { createExecutor } from '../../src/neo4j/executor.ts';

const COUNT = { name: 'test.count', cypher: 'MATCH (n) RETURN count(n) AS c' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

const neo4jError = (code: string, message = 'failed') => new Neo4jError(message, code, '50N42', 'error');

describe('an executor whose Neo4j cannot be reached', () => {
  it('asks Neo4j once, then fails every read at once without a round trip, and pings meanwhile', async () => {
    // Port 1: nothing listens, so every connection is refused.
    const config = loadConfig({ NEO4J_URI: 'bolt://127.0.0.1:1', NEO4J_MAX_RETRY_MS: '0' });
    const started: string[] = [];
    const finished: { name: string; ok: boolean }[] = [];
    const changes: boolean[] = [];
    const executor = createExecutor(createDriver(config.neo4j), {
      database: 'neo4j',
      circuitOpenMs: 100,
      onQueryStart: (name) => started.push(name),
      onQuery: (name, _ms, ok) => finished.push({ name, ok }),
      onCircuitChange: (open) => changes.push(open),
    });
    try {
      const first = await executor.read(COUNT).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(DatabaseUnavailableError);
      expect((first as Error).cause).toBeInstanceOf(Neo4jError);
      expect(((first as Error).cause as Neo4jError).code).toBe(neo4j.error.SERVICE_UNAVAILABLE);
      expect(changes).toEqual([true]);

      // The next reads, single or batched, never reach the driver.
      const reads = started.filter((n) => n === COUNT.name).length;
      for (const attempt of [
        executor.read(COUNT),
        executor.readBatch([{ query: COUNT }, { query: COUNT }]),
      ]) {
        const error = await attempt.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DatabaseUnavailableError);
        expect((error as Error).cause).toBeInstanceOf(CircuitOpenError);
      }
      expect(started.filter((n) => n === COUNT.name)).toHaveLength(reads);

      // A ping tries every 100 ms, fails, and the circuit stays open.
      await until(() => finished.filter((f) => f.name === 'ping').length >= 2);
      expect(finished.filter((f) => f.name === 'ping').every((f) => !f.ok)).toBe(true);
      expect(changes).toEqual([true]);
    } finally {
      await executor.close();
    }
    // Closed: no more pings.
    const pings = started.filter((n) => n === 'ping').length;
    await sleep(300);
    expect(started.filter((n) => n === 'ping')).toHaveLength(pings);
  });
});

describe('the circuit', () => {
  it('opens only on a connection failure: not on a full pool, a timeout or a query error', () => {
    const circuit = createCircuit({ openMs: 60_000, ping: async () => {} });
    try {
      const busy = neo4jError('N/A', 'Connection acquisition timed out in 3000 ms.');
      for (const error of [
        new DatabaseUnavailableError('q', { cause: busy }),
        new QueryTimeoutError('q', 100),
        neo4jError('Neo.ClientError.Statement.SyntaxError'),
        new Error('anything else'),
      ]) {
        expect(circuit.failed(error)).toBe(error);
        expect(circuit.state).toBe('closed');
        expect(() => circuit.admit('q')).not.toThrow();
      }
      circuit.failed(new DatabaseUnavailableError('q', { cause: neo4jError(neo4j.error.SESSION_EXPIRED) }));
      expect(circuit.state).toBe('open');
      expect(() => circuit.admit('q')).toThrow(DatabaseUnavailableError);
    } finally {
      circuit.stop();
    }
  });

  it('stays open while the ping fails; once a ping answers, lets one trial read through at a time', async () => {
    let answers = false;
    let pings = 0;
    const changes: boolean[] = [];
    const circuit = createCircuit({
      openMs: 20,
      ping: async () => {
        pings++;
        if (!answers) throw new Error('refused');
      },
      onChange: (open) => changes.push(open),
    });
    try {
      circuit.failed(neo4jError(neo4j.error.SERVICE_UNAVAILABLE));
      await until(() => pings >= 3);
      expect(circuit.state).not.toBe('closed');
      expect(() => circuit.admit('q')).toThrow(DatabaseUnavailableError);
      answers = true;
      await until(() => circuit.state === 'half-open');
      // Pinging stops: the trials take over.
      const pinged = pings;
      // One trial at a time; the others still fail at once.
      expect(circuit.admit('q')).toBe('trial');
      expect(() => circuit.admit('q')).toThrow(DatabaseUnavailableError);
      // A trial the server answered slowly (or with an error) lets the next read try ...
      circuit.failed(new QueryTimeoutError('q', 100), 'trial');
      expect(circuit.state).toBe('half-open');
      expect(circuit.admit('q')).toBe('trial');
      // ... and a successful trial closes the circuit.
      circuit.succeeded('trial');
      expect(circuit.state).toBe('closed');
      expect(circuit.admit('q')).toBe('closed');
      expect(changes).toEqual([true, false]);
      await sleep(100);
      expect(pings).toBe(pinged);
    } finally {
      circuit.stop();
    }
  });

  it('opens again when a trial cannot reach Neo4j, and ignores reads from before the outage', async () => {
    let pings = 0;
    const circuit = createCircuit({
      openMs: 20,
      ping: async () => {
        pings++;
      },
    });
    try {
      circuit.failed(neo4jError(neo4j.error.SERVICE_UNAVAILABLE));
      await until(() => circuit.state === 'half-open');
      // A read admitted while closed that fails late changes nothing; nor does its success.
      circuit.failed(neo4jError(neo4j.error.SERVICE_UNAVAILABLE), 'closed');
      circuit.succeeded('closed');
      expect(circuit.state).toBe('half-open');
      expect(circuit.admit('q')).toBe('trial');
      circuit.failed(
        new DatabaseUnavailableError('q', { cause: neo4jError(neo4j.error.SERVICE_UNAVAILABLE) }),
        'trial',
      );
      expect(circuit.state).toBe('open');
      expect(() => circuit.admit('q')).toThrow(DatabaseUnavailableError);
      const before = pings;
      await until(() => pings > before);
    } finally {
      circuit.stop();
    }
  });

  it('never opens when turned off (0 ms)', () => {
    const circuit = createCircuit({ openMs: 0, ping: async () => {} });
    circuit.failed(neo4jError(neo4j.error.SERVICE_UNAVAILABLE));
    expect(circuit.state).toBe('closed');
    expect(() => circuit.admit('q')).not.toThrow();
  });
});
