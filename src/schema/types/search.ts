import { fetchSearch } from '../../data/objects.ts';
import { LABEL_NAMES, type Label } from '../../data/rows.ts';
import { builder } from '../builder.ts';
import { connectionReads } from '../selection.ts';
import { toConnection, visibilityArgs, visibilityOf, windowOf } from './common.ts';
import { itemOf } from './connections.ts';
import { AttackObject } from './refs.ts';
import { releaseArg, withRelease } from './release.ts';
import { MAX_SEARCH_WORDS, searchText } from './search-text.ts';

const SEARCHABLE = LABEL_NAMES.filter((l) => l !== 'Malware' && l !== 'Tool');

const ObjectTypeEnum = builder.enumType('ObjectType', {
  description: 'A kind of ATT&CK object, for narrowing a search.',
  values: Object.fromEntries(
    SEARCHABLE.map((label) => [
      label.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase(),
      { value: label, description: `${label} objects.` },
    ]),
  ) as Record<string, { value: Label; description: string }>,
});

const SearchConnection = builder.connectionObject(
  { type: AttackObject, name: 'SearchConnection', description: 'A page of search results, best first.' },
  {
    name: 'SearchEdge',
    description: 'One search result, with its relevance.',
    fields: (t) => ({
      score: t.float({
        description: 'The full-text relevance score; higher is better.',
        resolve: (edge) => (itemOf(edge) as { score?: number }).score ?? 0,
      }),
    }),
  },
);

builder.queryField('search', (t) =>
  t.connection(
    {
      nullable: false,
      type: AttackObject,
      description:
        'Full-text search over names, aliases and descriptions of every kind of object, best match first. ' +
        'The text is matched as words (Lucene syntax characters are taken literally).',
      args: {
        ...visibilityArgs,
        ...releaseArg,
        text: t.arg.string({
          required: true,
          validate: searchText,
          description: `The words to look for (at most ${MAX_SEARCH_WORDS}).`,
        }),
        types: t.arg({
          type: [ObjectTypeEnum],
          required: false,
          description: 'Only these kinds of objects (default: all).',
        }),
      },
      resolve: async (_root, args, ctx, info) => {
        const window = windowOf(args);
        const page = await withRelease(ctx, args.release, () =>
          fetchSearch(
            ctx.db,
            args.text,
            args.types?.length ? args.types : SEARCHABLE,
            { ...visibilityOf(args), ...window, release: args.release },
            connectionReads(info),
          ),
        );
        return toConnection(page, window);
      },
    },
    SearchConnection,
  ),
);
