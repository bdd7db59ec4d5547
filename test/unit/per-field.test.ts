import {
  execute,
  GraphQLInt,
  GraphQLList,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  parse,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { perField } from '../../src/schema/selection.ts';

/** A schema whose `item` field works out, with `perField`, what it selects; `computed` counts the work. */
function schemaCounting() {
  const counts = { item: 0, children: 0 };
  const selection = perField((info) => {
    counts.item++;
    return info.fieldNodes.flatMap((f) => f.selectionSet?.selections.map((s) => s.kind) ?? []).join();
  });
  const childWindow = perField(
    (_info, args: { first?: number }) => {
      counts.children++;
      return args.first ?? 10;
    },
    { withArguments: true },
  );
  const Item = new GraphQLObjectType({
    name: 'Item',
    fields: {
      id: { type: GraphQLString },
      children: {
        type: new GraphQLList(GraphQLString),
        args: { first: { type: GraphQLInt } },
        resolve: (_item, args, _ctx, info) => [`first ${childWindow(info, args)}`],
      },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        item: {
          type: Item,
          args: { id: { type: GraphQLString } },
          resolve: (_root, { id }: { id: string }, _ctx, info) => ({
            id,
            selection: selection(info, undefined),
          }),
        },
      },
    }),
  });
  return { schema, counts };
}

describe('perField: what a field reads, worked out once per document', () => {
  it('across requests, whatever the variables its selection does not name', async () => {
    const { schema, counts } = schemaCounting();
    // Parsed once, as Yoga's parser cache hands every request with the same text the same document.
    const document = parse(
      'query ($id: String, $first: Int) { item(id: $id) { id children(first: $first) } }',
    );
    const run = (variableValues: Record<string, unknown>) => execute({ schema, document, variableValues });
    for (const id of ['a', 'b', 'c']) {
      const result = await run({ id, first: 2 });
      expect(result.data).toEqual({ item: { id, children: ['first 2'] } });
    }
    // `$id` is the lookup's own argument: the selection below it is the same for every id.
    expect(counts.item).toBe(1);
    expect(counts.children).toBe(1);
    // `$first` is named in the selection (and is `children`'s own argument): a new value is worked out anew.
    expect((await run({ id: 'a', first: 5 })).data).toEqual({ item: { id: 'a', children: ['first 5'] } });
    expect((await run({ id: 'a' })).data).toEqual({ item: { id: 'a', children: ['first 10'] } });
    expect(counts).toEqual({ item: 3, children: 3 });
    // Seen before: nothing to work out.
    await run({ id: 'z', first: 5 });
    expect(counts).toEqual({ item: 3, children: 3 });
  });

  it('apart for another document with the same text, and for a directive on a variable', async () => {
    const { schema, counts } = schemaCounting();
    const text = 'query ($more: Boolean!) { item(id: "a") { id children @include(if: $more) } }';
    const first = parse(text);
    await execute({ schema, document: first, variableValues: { more: true } });
    await execute({ schema, document: first, variableValues: { more: false } });
    expect(counts.item).toBe(2);
    await execute({ schema, document: parse(text), variableValues: { more: true } });
    expect(counts.item).toBe(3);
  });
});
