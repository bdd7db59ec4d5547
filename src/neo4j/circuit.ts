import neo4j, { Neo4jError } from 'neo4j-driver';
import { DatabaseUnavailableError } from './errors.ts';

/** Why a read failed without reaching Neo4j: the circuit is open. Logged, never shown to a client. */
export class CircuitOpenError extends Error {
  constructor() {
    super('Neo4j could not be reached a moment ago: failing at once until a ping answers');
    this.name = 'CircuitOpenError';
  }
}

/**
 * A failure to reach Neo4j at all (refused, reset, timed out connecting, cluster member gone).
 * Not a pool that is merely full: that is load, and shedding it would turn a busy moment into an
 * outage. Not a query error: the server answered.
 */
export function isConnectionFailure(error: unknown): boolean {
  const cause = error instanceof DatabaseUnavailableError ? error.cause : error;
  return (
    cause instanceof Neo4jError &&
    (cause.code === neo4j.error.SERVICE_UNAVAILABLE || cause.code === neo4j.error.SESSION_EXPIRED)
  );
}

export interface CircuitOptions {
  /** How long reads fail at once after a connection failure, before a ping tries; 0 turns it off. */
  openMs: number;
  /** One cheap round trip that resolves when Neo4j answers. */
  ping: () => Promise<void>;
  /** Told when reads start failing fast (`true`) and when Neo4j answers again (`false`). */
  onChange?: (open: boolean) => void;
}

/** What `admit` hands out: whether this read is the one trial of a half-open circuit. */
export type Admission = 'closed' | 'trial';

/**
 * A circuit breaker in front of the reads. Closed: reads go to Neo4j. A read that cannot reach
 * Neo4j opens it: from then on every read fails at once (no request waits in the pool's queue or
 * in the driver's retries for a database known to be down), and every `openMs` a ping tries.
 * When a ping answers, the circuit is half-open: one read at a time goes through as a trial while
 * the others still fail at once, and the first trial that succeeds closes it. A Neo4j that has
 * just started plans its first queries slowly; one trial warms it where a whole queue of requests
 * at once would swamp it (the pool fills, and every request waits its acquisition timeout out).
 * Once it is open, only pings and trials change it: reads that started earlier say nothing of now.
 */
export function createCircuit({ openMs, ping, onChange }: CircuitOptions) {
  let state: 'closed' | 'open' | 'pinging' | 'half-open' = 'closed';
  let trialRunning = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const open = () => {
    state = 'open';
    trialRunning = false;
    if (stopped) return;
    timer = setTimeout(probe, openMs);
    // A process that is shutting down need not wait for the next ping.
    timer.unref();
  };
  const probe = async () => {
    timer = undefined;
    state = 'pinging';
    try {
      await ping();
      state = 'half-open';
    } catch {
      open();
    }
  };

  return {
    get state() {
      return state;
    },
    /** Throws, without touching Neo4j, unless the circuit is closed or this read may be the trial. */
    admit(query: string): Admission {
      if (state === 'closed') return 'closed';
      if (state === 'half-open' && !trialRunning) {
        trialRunning = true;
        return 'trial';
      }
      throw new DatabaseUnavailableError(query, { cause: new CircuitOpenError() });
    },
    /** A read admitted as `admission` succeeded: a trial's success closes the circuit. */
    succeeded(admission: Admission): void {
      if (admission !== 'trial' || state !== 'half-open') return;
      state = 'closed';
      trialRunning = false;
      onChange?.(false);
    },
    /**
     * A read admitted as `admission` failed. A connection failure opens the circuit (again); a
     * trial that failed otherwise (the server answered, slowly or with an error) lets the next
     * read try. Returns the error.
     */
    failed<E>(error: E, admission: Admission = 'closed'): E {
      const wasClosed = state === 'closed';
      if (admission === 'trial' && state === 'half-open') trialRunning = false;
      if (
        openMs > 0 &&
        isConnectionFailure(error) &&
        (wasClosed || (admission === 'trial' && state === 'half-open'))
      ) {
        open();
        if (wasClosed) onChange?.(true);
      }
      return error;
    },
    stop(): void {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

export type Circuit = ReturnType<typeof createCircuit>;
