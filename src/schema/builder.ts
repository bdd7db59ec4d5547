import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin, { resolveNodes } from '@pothos/plugin-relay';
import SimpleObjectsPlugin from '@pothos/plugin-simple-objects';
import ValidationPlugin from '@pothos/plugin-validation';
import { GraphQLError } from 'graphql';
import type { Context } from '../context.ts';

/**
 * Page sizes of every connection. `windowOf` (types/common.ts) turns a connection's arguments into
 * a slice with these, so an omitted `first` means 100; the cost limit counts a list at that size.
 * `windowOf` also refuses a size out of range: it runs once per field of an operation, where an
 * argument validator would run once per parent (some 400 times in the matrix).
 */
export const PAGE_SIZE = { defaultSize: 100, maxSize: 1000 } as const;

/** At most this many global ids in `nodes(ids:)`: one default page. */
export const MAX_NODE_IDS = PAGE_SIZE.defaultSize;

export interface SchemaTypes {
  Context: Context;
  /** Every connection reports its total size; resolvers return it with the page, in the same query. */
  Connection: { totalCount: number };
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
}

/** A fresh builder with the project's plugins and options; the app uses the one `builder` below. */
export function createBuilder() {
  // The `nodes` resolver below needs the builder it is part of.
  let self: PothosSchemaTypes.SchemaBuilder<PothosSchemaTypes.ExtendDefaultTypes<SchemaTypes>>;
  const builder = new SchemaBuilder<SchemaTypes>({
    plugins: [RelayPlugin, DataloaderPlugin, ValidationPlugin, SimpleObjectsPlugin],
    relay: {
      clientMutationId: 'omit',
      cursorType: 'String',
      idFieldOptions: {
        description: 'An opaque global id: pass it to `Query.node` to fetch this object again.',
      },
      nodeTypeOptions: { description: 'An object with a stable, opaque global id.' },
      nodeQueryOptions: {
        description: 'Fetches any object by its global `id`; null when there is none.',
        args: { id: { description: 'A global id, as returned in any `id` field.' } },
      },
      nodesQueryOptions: {
        description: 'Fetches objects by their global ids, in the order given; null for each unknown id.',
        args: { ids: { description: `Global ids, as returned in \`id\` fields (at most ${MAX_NODE_IDS}).` } },
        // Capped, so one request cannot ask for the same object a thousand times; each distinct id
        // is resolved once and its answer repeated where the id repeats.
        resolve: async (_root, { ids }, context, info): Promise<unknown[]> => {
          if (ids.length > MAX_NODE_IDS) {
            throw new GraphQLError(`ids: at most ${MAX_NODE_IDS} ids may be given (got ${ids.length}).`, {
              extensions: { code: 'BAD_USER_INPUT' },
            });
          }
          const keyOf = (id: { typename: string; id: string }) => `${id.typename}:${id.id}`;
          const unique = [...new Map(ids.map((id) => [keyOf(id), id])).values()];
          const found: unknown[] = await resolveNodes(self, context, info, unique);
          const byKey = new Map<string, unknown>(unique.map((id, i) => [keyOf(id), found[i]]));
          return ids.map((id) => byKey.get(keyOf(id)));
        },
      },
      nodesOnConnection: { description: 'The items of this page, without their edges.' },
      edgesFieldOptions: { nullable: { list: false, items: false }, description: 'The items of this page.' },
      nodeFieldOptions: { nullable: false, description: 'The item.' },
      cursorFieldOptions: { description: 'Pass it as `after` or `before` to page from this item.' },
      pageInfoFieldOptions: { description: 'Where this page sits in the whole list.' },
      hasNextPageFieldOptions: { description: 'Whether items follow this page.' },
      hasPreviousPageFieldOptions: { description: 'Whether items precede this page.' },
      startCursorFieldOptions: { description: 'The cursor of the first item of this page.' },
      endCursorFieldOptions: { description: 'The cursor of the last item of this page.' },
      firstArgOptions: {
        description: `Returns the first n items (default ${PAGE_SIZE.defaultSize}, at most ${PAGE_SIZE.maxSize}).`,
      },
      lastArgOptions: {
        description: `Returns the last n items (at most ${PAGE_SIZE.maxSize}).`,
      },
      afterArgOptions: { description: 'Returns the items after this cursor.' },
      beforeArgOptions: { description: 'Returns the items before this cursor.' },
      pageInfoTypeOptions: { description: 'Pagination state of a page of a list.' },
      defaultConnectionTypeOptions: { description: 'A page of a list, with its total size.' },
      defaultEdgeTypeOptions: { description: 'One item of a page, with its cursor.' },
    },
    validation: {
      // Bad arguments are the client's fault: say which and why, with a stable code.
      validationError: (failure) =>
        new GraphQLError(
          failure.issues
            .map((issue) => {
              const where = (issue.path ?? [])
                .map((p) => (typeof p === 'object' ? String(p.key) : String(p)))
                .join('.');
              return where ? `${where}: ${issue.message}` : issue.message;
            })
            .join('; '),
          { extensions: { code: 'BAD_USER_INPUT' } },
        ),
    },
  });

  self = builder;
  builder.queryType({ description: 'The entry points of the ATT&CK graph.' });

  builder.globalConnectionField('totalCount', (t) =>
    t.int({
      description: 'How many items the whole list has, across all pages.',
      nullable: false,
      resolve: (connection) => connection.totalCount,
    }),
  );

  return builder;
}

export type Builder = ReturnType<typeof createBuilder>;

export const builder = createBuilder();
