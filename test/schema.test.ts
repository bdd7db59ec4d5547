import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';
import { createBuilder, PAGE_SIZE } from '../src/schema/builder.ts';
import { asItems, toConnection, windowOf } from '../src/schema/types/common.ts';
import { createApp } from '../src/yoga.ts';
import { createGql, type Gql } from './helpers/app.ts';
import { connectTestDb, type TestDb } from './helpers/db.ts';
import { undescribed } from './helpers/schema.ts';

/**
 * The builder's connection conventions, on a throwaway schema with a 1,500-item list (the app
 * schema's real lists arrive with the ATT&CK types).
 */
describe('connections', () => {
  const ITEMS = Array.from({ length: 1500 }, (_, n) => ({ n }));
  let db: TestDb;
  let gql: Gql;

  beforeAll(async () => {
    const builder = createBuilder();
    const Item = builder.node(builder.objectRef<{ n: number }>('Item'), {
      description: 'A numbered item.',
      id: { resolve: (item) => item.n },
      loadMany: (ids) => ids.map((id) => ITEMS[Number(id)] ?? null),
      fields: (t) => ({ n: t.exposeInt('n', { description: 'Its number.', nullable: false }) }),
    });
    builder.queryField('items', (t) =>
      t.connection({
        type: Item,
        description: 'All items.',
        nullable: false,
        // As every connection of the app pages: `windowOf` checks the arguments and slices.
        resolve: (_root, args) => {
          const window = windowOf(args);
          const items = ITEMS.slice(window.offset, window.offset + window.limit);
          return toConnection(asItems({ totalCount: ITEMS.length, items }), window);
        },
      }),
    );
    db = await connectTestDb();
    const testSchema = builder.toSchema({ sortSchema: true });
    expect(undescribed(testSchema)).toEqual([]);
    gql = createGql(
      createApp({
        config: db.config,
        executor: db.executor,
        schema: testSchema,
        logger: createLogger('silent'),
      }),
    );
  });
  afterAll(() => db?.close());

  type Page = {
    items: {
      totalCount: number;
      nodes: { n: number; id: string }[];
      pageInfo: { hasNextPage: boolean; endCursor: string };
    };
  };
  const page = `query ($first: Int, $last: Int, $after: String, $before: String) {
    items(first: $first, last: $last, after: $after, before: $before) {
      totalCount nodes { n id } pageInfo { hasNextPage endCursor }
    }
  }`;

  it(`returns ${PAGE_SIZE.defaultSize} items when first is omitted, with the total count`, async () => {
    const result = await gql<Page>(page);
    expect(result.errors).toBeUndefined();
    expect(result.data?.items.nodes).toHaveLength(PAGE_SIZE.defaultSize);
    expect(result.data?.items.totalCount).toBe(ITEMS.length);
    expect(result.data?.items.pageInfo.hasNextPage).toBe(true);
  });

  it(`returns up to ${PAGE_SIZE.maxSize} items and pages on from a cursor`, async () => {
    const first = await gql<Page>(page, { first: PAGE_SIZE.maxSize });
    expect(first.data?.items.nodes).toHaveLength(PAGE_SIZE.maxSize);
    const rest = await gql<Page>(page, {
      first: PAGE_SIZE.maxSize,
      after: first.data?.items.pageInfo.endCursor,
    });
    expect(rest.data?.items.nodes.map((i) => i.n)).toEqual(ITEMS.slice(PAGE_SIZE.maxSize).map((i) => i.n));
    expect(rest.data?.items.pageInfo.hasNextPage).toBe(false);
  });

  it.each([{ first: PAGE_SIZE.maxSize + 1 }, { first: -1 }, { last: PAGE_SIZE.maxSize + 1 }, { last: -1 }])(
    'rejects %o as BAD_USER_INPUT, naming the argument',
    async (args) => {
      const result = await gql<Page>(page, args);
      expect(result.data).toBeNull();
      expect(result.errors).toHaveLength(1);
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.message).toContain(Object.keys(args)[0]);
    },
  );

  it('rejects a cursor it did not issue as BAD_USER_INPUT', async () => {
    const result = await gql<Page>(page, { after: 'not-a-cursor' });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('resolves the global ids of connection items with Query.node and Query.nodes', async () => {
    const items = (await gql<Page>(page, { first: 3 })).data?.items.nodes ?? [];
    expect(items).toHaveLength(3);
    const [a, b] = items;
    const result = await gql<{ node: { n: number } | null; nodes: ({ n: number } | null)[] }>(
      'query ($id: ID!, $ids: [ID!]!) { node(id: $id) { ... on Item { n } } nodes(ids: $ids) { ... on Item { n } } }',
      { id: b?.id, ids: [b?.id, a?.id] },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.node).toEqual({ n: b?.n });
    expect(result.data?.nodes).toEqual([{ n: b?.n }, { n: a?.n }]);
  });
});
