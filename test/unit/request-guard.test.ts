import { GraphQLInt, GraphQLList, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { useRequestGuard } from '../../src/plugins/use-request-guard.ts';

/** A schema whose lists are built in memory: execution is synchronous but for the guard's pauses. */
function schemaOf(work: () => void = () => {}) {
  const Item = new GraphQLObjectType({
    name: 'Item',
    fields: {
      n: { type: GraphQLInt },
      label: { type: GraphQLString, resolve: (item: { n: number }) => `item ${item.n}` },
      slow: {
        type: GraphQLInt,
        resolve: (item: { n: number }) => {
          work();
          return item.n;
        },
      },
    },
  });
  return new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        items: {
          type: new GraphQLList(Item),
          args: { count: { type: GraphQLInt } },
          resolve: (_root, { count }: { count: number }) => Array.from({ length: count }, (_, n) => ({ n })),
        },
      },
    }),
  });
}

function serve(schema: GraphQLSchema, timeoutMs = 60_000) {
  const yoga = createYoga({
    schema,
    logging: false,
    plugins: [useRequestGuard({ timeoutMs, maxResponseBytes: 100_000_000, log: createLogger('silent') })],
  });
  return async (query: string) => {
    const response = await yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as {
      data?: { [k: string]: { n: number; label: string }[] } | null;
      errors?: { extensions?: { code?: string } }[];
    };
  };
}

/** Event-loop turns while `work` runs: a large answer built in one stretch lets none happen. */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ turns: number; result: T }> {
  let turns = 0;
  let running = true;
  const tick = () => {
    turns++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const result = await work();
  running = false;
  return { turns, result };
}

describe('the request guard', () => {
  it('builds a large answer in stretches that let other work run, every item in order', async () => {
    const ask = serve(schemaOf());
    // 5 000 items of two fields: 10 001 resolver calls, so a pause after every 2 000 (four); built
    // in one stretch, the answer would let no turn happen (0, measured without pacing).
    const { turns, result } = await turnsDuring(() => ask('{ items(count: 5000) { n label } }'));
    expect(result.errors).toBeUndefined();
    expect(result.data?.items).toEqual(Array.from({ length: 5000 }, (_, n) => ({ n, label: `item ${n}` })));
    expect(turns).toBeGreaterThanOrEqual(4);
  });

  it('pauses once per 2 000 resolver calls, across lists, and a small answer not at all', async () => {
    const ask = serve(schemaOf());
    // 25 lists of 100 make 2 525 calls and the long list 6 001 more: at least three pauses, one
    // per stretch of 2 000 calls, wherever a stretch ends.
    const short = Array.from({ length: 25 }, (_, i) => `s${i}: items(count: 100) { n }`).join(' ');
    const { turns, result } = await turnsDuring(() =>
      ask(`{ ${short} long: items(count: 3000) { n label } }`),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.s24?.map((i) => i.n)).toEqual(Array.from({ length: 100 }, (_, n) => n));
    expect(result.data?.long).toEqual(Array.from({ length: 3000 }, (_, n) => ({ n, label: `item ${n}` })));
    expect(turns).toBeGreaterThanOrEqual(3);
    // Three stretches of 2 000 calls, not a pause every few items.
    expect(turns).toBeLessThan(20);
    const { turns: none, result: small } = await turnsDuring(() => ask('{ items(count: 150) { n } }'));
    expect(small.data?.items).toHaveLength(150);
    expect(none).toBe(0);
  });

  it('stops a long in-memory answer at its deadline: one TIMEOUT, no data', async () => {
    const spin = () => {
      const until = performance.now() + 0.05;
      while (performance.now() < until) {
        // Busy: a resolver that computes for 50 µs, 20 000 times (a second in all).
      }
    };
    const ask = serve(schemaOf(spin), 100);
    const result = await ask('{ items(count: 20000) { slow } }');
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['TIMEOUT']);
  });
});
