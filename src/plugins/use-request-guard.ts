import {
  defaultFieldResolver,
  type ExecutionArgs,
  type ExecutionResult,
  GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  getNamedType,
  isLeafType,
  isObjectType,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.ts';
import { QueryTimeoutError } from '../neo4j/executor.ts';

/** After this many resolver calls a request lets others run (one setImmediate) before going on. */
const YIELD_EVERY = 2_000;

const GUARD = Symbol('requestGuard');
const WRAPPED = Symbol('guardedResolver');

/**
 * One request's limits while it executes. `abort` stops the whole operation: it is answered with
 * the abort's reason at once, and guarded resolvers refuse to start work from then on.
 */
class RequestGuard {
  bytes = 0;
  /** Resolver calls since the request last let others run. */
  private sinceYield = 0;

  constructor(
    readonly deadline: number,
    readonly maxBytes: number,
    readonly timeoutError: () => GraphQLError,
    readonly sizeError: () => GraphQLError,
  ) {}

  /** Every guarded field reads this. */
  stopped = false;
  /** Why the request stopped, once it has. */
  reason: GraphQLError | undefined;
  private settle: () => void = () => {};
  /** Settles (with null) when the request stops; a plain promise, cheaper per request than an AbortController. */
  readonly stopping = new Promise<null>((resolve) => {
    this.settle = () => resolve(null);
  });

  abort(reason: GraphQLError): void {
    if (this.stopped) return;
    this.stopped = true;
    this.reason = reason;
    this.settle();
  }

  tick(): void {
    this.sinceYield++;
  }

  /**
   * The pause under way, if any: resolvers called meanwhile wait for it. Set when the request has
   * run YIELD_EVERY resolver calls since it last let others run.
   */
  pausing: Promise<void> | undefined;

  /** Whether the request has run long enough since it last let others run: if so, it pauses. */
  pauseIfDue(): Promise<void> | undefined {
    if (this.sinceYield >= YIELD_EVERY) {
      this.sinceYield = 0;
      this.pausing = this.pause();
    }
    return this.pausing;
  }

  /** Lets other requests' I/O and timers run, then checks the clock (a timer cannot fire mid-stretch). */
  private async pause(): Promise<void> {
    await new Promise((resume) => setImmediate(resume));
    this.pausing = undefined;
    if (Date.now() >= this.deadline) this.abort(this.timeoutError());
  }

  add(bytes: number): void {
    this.bytes += bytes;
    if (this.bytes > this.maxBytes) this.abort(this.sizeError());
  }
}

/** About how many bytes a leaf value adds to the JSON answer (strings by their UTF-8 length). */
function leafBytes(value: unknown): number {
  if (value === null || value === undefined) return 4;
  if (typeof value === 'string') return Buffer.byteLength(value) + 2;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).length;
  if (Array.isArray(value)) {
    let n = 2;
    for (const item of value) n += leafBytes(item) + 1;
    return n;
  }
  return JSON.stringify(value)?.length ?? 4;
}

/** The bytes one resolved field adds: its key, and its value when it is a leaf (objects count their own fields). */
function fieldBytes(value: unknown, key: string, leaf: boolean): number {
  const own = key.length + 4;
  if (leaf) return own + leafBytes(value);
  return own + (Array.isArray(value) ? 2 + value.length * 3 : 2);
}

function isTimeout(error: unknown): boolean {
  const original = error instanceof GraphQLError ? error.originalError : error;
  return original instanceof QueryTimeoutError;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function guardOf(context: unknown): RequestGuard | undefined {
  return context && typeof context === 'object' ? (context as { [GUARD]?: RequestGuard })[GUARD] : undefined;
}

type Resolver = GraphQLFieldResolver<unknown, unknown> & { [WRAPPED]?: true };

/** A stopped request's fields never settle (see `guarded`); a fresh promise each time, so nothing keeps it. */
const never = (): Promise<never> => new Promise<never>(() => {});

/** What a guarded field hands the executor: its value, counted. */
function measured(guard: RequestGuard, value: unknown, info: GraphQLResolveInfo, leaf: boolean): unknown {
  if (guard.stopped) return never();
  const key = info.path.key;
  guard.add(fieldBytes(value, typeof key === 'string' ? key : '', leaf));
  return value;
}

/** A guarded field's failure: a database timeout ends the request, with one error, as the deadline does. */
function failed(guard: RequestGuard, error: unknown): Promise<never> {
  if (isTimeout(error)) guard.abort(guard.timeoutError());
  if (guard.stopped) return never();
  throw error;
}

/**
 * A resolver that does nothing once its request stopped, counts what it returns, and waits while
 * its request pauses. It runs for every field of every answer (leaves too), so it makes no closure for a
 * synchronous value: a matrix is some 1,500 of them.
 */
function guarded(resolve: GraphQLFieldResolver<unknown, unknown>, leaf: boolean): Resolver {
  const wrapper: Resolver = (source, args, context, info) => {
    const guard = guardOf(context);
    if (!guard) return resolve(source, args, context, info);
    // Once stopped, a field neither runs nor fails: it never settles. A failure would bubble
    // through non-null fields into list completions the executor no longer awaits (unhandled
    // rejections end a Node process); a promise that never settles is dropped with the rest of
    // the abandoned operation by the garbage collector.
    if (guard.stopped) return never();
    // A heavy request pauses every YIELD_EVERY calls; the fields met meanwhile run after it, in
    // order, so the answer is built in stretches (a list's items too, whichever executor walks it).
    const pausing = guard.pauseIfDue();
    if (pausing) return pausing.then(() => wrapper(source, args, context, info));
    guard.tick();
    let result: unknown;
    try {
      result = resolve(source, args, context, info);
    } catch (error) {
      return failed(guard, error);
    }
    return isThenable(result)
      ? result.then(
          (value) => measured(guard, value, info, leaf),
          (error: unknown) => failed(guard, error),
        )
      : measured(guard, result, info, leaf);
  };
  wrapper[WRAPPED] = true;
  return wrapper;
}

/** Wraps every field resolver of `schema` in place, once. */
function guardResolvers(schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const current = field.resolve as Resolver | undefined;
      if (current?.[WRAPPED]) continue;
      field.resolve = guarded(current ?? defaultFieldResolver, isLeafType(getNamedType(field.type)));
    }
  }
}

export interface RequestGuardOptions {
  timeoutMs: number;
  maxResponseBytes: number;
  log: Logger;
}

/**
 * Ends an operation as a whole at its deadline (`REQUEST_TIMEOUT_MS`) or once its answer grows
 * past `MAX_RESPONSE_BYTES`: the client gets one error (`TIMEOUT` or `RESPONSE_TOO_LARGE`) and no
 * partial answer, the log one line, and no resolver starts after that. A heavy request lets others
 * run every YIELD_EVERY resolver calls or so, so a large answer does not hold the event loop for long.
 * Put it after every plugin that wraps execution (consistent reads), so it covers their re-runs.
 */
export function useRequestGuard({ timeoutMs, maxResponseBytes, log }: RequestGuardOptions): Plugin {
  const timeoutError = () =>
    new GraphQLError(
      `The request ran out of time (limit ${timeoutMs} ms): ask for less, such as smaller pages.`,
      { extensions: { code: 'TIMEOUT', limitMs: timeoutMs } },
    );
  const sizeError = () =>
    new GraphQLError(
      `The answer would be larger than the limit of ${maxResponseBytes} bytes: ask for less, ` +
        'such as smaller pages, fewer nested lists or fewer fields.',
      { extensions: { code: 'RESPONSE_TOO_LARGE', maxBytes: maxResponseBytes } },
    );
  return {
    onSchemaChange({ schema }) {
      guardResolvers(schema);
    },
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn(async (args: ExecutionArgs) => {
        const guard = new RequestGuard(Date.now() + timeoutMs, maxResponseBytes, timeoutError, sizeError);
        const timer = setTimeout(() => guard.abort(timeoutError()), timeoutMs);
        // The context object keeps its identity: DataLoaders are keyed on it.
        Object.assign(args.contextValue as object, { [GUARD]: guard });
        const stopped = (): ExecutionResult => {
          const reason = guard.reason as GraphQLError;
          log.warn({ code: reason.extensions.code, bytes: guard.bytes }, reason.message);
          return { data: null, errors: [reason] };
        };
        // The executor is not given an abort signal: on abort it would drop promises of fields
        // still running, and their rejections would go unhandled (which ends a Node process).
        // Instead every guarded resolver refuses to start once aborted, and the operation is
        // answered at the abort; what is still running settles later, unobserved.
        const running = (async () => (await executeFn(args)) as ExecutionResult)();
        running.catch(() => {});
        try {
          const result = await Promise.race([running, guard.stopping]);
          // Aborted in the last synchronous stretch, the executor may still have finished: no partial answer.
          return result === null || guard.stopped ? stopped() : result;
        } catch (error) {
          if (guard.stopped) return stopped();
          throw error;
        } finally {
          clearTimeout(timer);
        }
      });
    },
  };
}
