import { cursorToOffset, offsetForArgs, offsetToCursor } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import { z } from 'zod';
import type { Domain, Page, Visibility, Window } from '../../data/rows.ts';
import { builder, PAGE_SIZE } from '../builder.ts';

export const DomainEnum = builder.enumType('Domain', {
  description: 'An ATT&CK domain (matrix family).',
  values: {
    ENTERPRISE: { value: 'enterprise-attack', description: 'Enterprise ATT&CK (`enterprise-attack`).' },
    MOBILE: { value: 'mobile-attack', description: 'Mobile ATT&CK (`mobile-attack`).' },
    ICS: { value: 'ics-attack', description: 'ATT&CK for ICS (`ics-attack`).' },
  } as const,
});

export const UsageViaEnum = builder.enumType('UsageVia', {
  description: 'How a usage between an actor and a technique was found.',
  values: {
    DIRECT: {
      value: 'DIRECT',
      description: "The object's own `uses` relationship, with procedure text and citations.",
    },
    CAMPAIGN: { value: 'CAMPAIGN', description: 'A `uses` of a campaign attributed to the group.' },
    SOFTWARE: { value: 'SOFTWARE', description: 'A `uses` of software the object uses.' },
  } as const,
});

export interface ExternalReferenceShape {
  sourceName: string;
  url: string | null;
  description: string | null;
  externalId: string | null;
}

export const ExternalReference = builder.simpleObject('ExternalReference', {
  description: 'A citation or external reference (STIX `external_references`).',
  fields: (t) => ({
    sourceName: t.string({ description: 'The source name, used as the citation key in descriptions.' }),
    url: t.string({ nullable: true, description: 'Where the source can be read.' }),
    description: t.string({ nullable: true, description: 'The full citation text.' }),
    externalId: t.string({
      nullable: true,
      description: 'An identifier in the external system, such as a CAPEC or CVE id.',
    }),
  }),
});

const stixReference = z.object({
  source_name: z.string(),
  url: z.string().nullish(),
  description: z.string().nullish(),
  external_id: z.string().nullish(),
});

/** Parses a stored `referencesJson` (the STIX external references minus the ATT&CK ID). */
export function referencesOf(json: string | null | undefined): ExternalReferenceShape[] {
  if (!json) return [];
  return z
    .array(stixReference)
    .parse(JSON.parse(json))
    .map((r) => ({
      sourceName: r.source_name,
      url: r.url ?? null,
      description: r.description ?? null,
      externalId: r.external_id ?? null,
    }));
}

/** `domain`, `includeRevoked` and `includeDeprecated`: the filters every list takes. */
export const visibilityArgs = builder.args((t) => ({
  domain: t.field({ type: DomainEnum, required: false, description: 'Only objects of this domain.' }),
  includeRevoked: t.boolean({
    required: false,
    defaultValue: false,
    description: 'Include revoked objects (replaced by others; see `revokedBy`).',
  }),
  includeDeprecated: t.boolean({
    required: false,
    defaultValue: false,
    description: 'Include deprecated objects (no longer maintained by MITRE).',
  }),
}));

export interface VisibilityArgs {
  domain?: Domain | null;
  includeRevoked?: boolean | null;
  includeDeprecated?: boolean | null;
}

export const visibilityOf = (args: VisibilityArgs): Visibility => ({
  domain: args.domain ?? null,
  includeRevoked: args.includeRevoked ?? false,
  includeDeprecated: args.includeDeprecated ?? false,
});

export interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/** The caller's fault, said plainly: the message names the argument and what is allowed. */
export const badInput = (message: string) =>
  new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/** Refuses a page size (argument `name`) out of 0 to the maximum. */
export function checkPageSize(name: string, size: number | null | undefined) {
  if (size != null && (size < 0 || size > PAGE_SIZE.maxSize)) {
    throw badInput(`${name}: expected 0 to ${PAGE_SIZE.maxSize} items, got ${size}`);
  }
}

/**
 * The slice a connection's arguments ask for. Cursors are opaque offsets into the stable order.
 * Every connection's resolver pages through here, so this is where page sizes are checked.
 */
export function windowOf(args: PageArgs): Window {
  checkPageSize('first', args.first);
  checkPageSize('last', args.last);
  for (const [name, cursor] of [
    ['after', args.after],
    ['before', args.before],
  ] as const) {
    if (cursor != null && !isCursor(cursor)) {
      throw badInput(
        `${name}: not a cursor of this list; pass an edge's \`cursor\` or a \`pageInfo\` cursor`,
      );
    }
  }
  const { offset, expectedSize } = offsetForArgs({ args, ...PAGE_SIZE });
  return { offset, limit: expectedSize };
}

function isCursor(cursor: string): boolean {
  try {
    const offset = cursorToOffset(cursor);
    return Number.isSafeInteger(offset) && offset >= 0;
  } catch {
    return false;
  }
}

export interface EdgeShape<T> {
  cursor: string;
  node: T;
}

/** The size of the whole list; the selection walker reads it whenever a field needs it. */
function counted(page: Page<unknown>): number {
  if (page.totalCount === null) throw new Error('the list was not counted, yet its size was selected');
  return page.totalCount;
}

/** One edge: the item as it came (edge fields read it), its cursor computed only when selected. */
export class Edge<T extends { node: unknown }> {
  constructor(
    readonly item: T,
    private readonly offset: number,
  ) {}
  get node(): T['node'] {
    return this.item.node;
  }
  get cursor(): string {
    return offsetToCursor(this.offset);
  }
}

/**
 * A connection over one page: each item with the cursor of its position. A class, so that what is
 * computed only when selected (the size, the cursors) sits on its prototype: the matrix builds some
 * 400 of these per request, and an object literal with getters is several times slower to make.
 */
class Connection<T extends { node: unknown }> {
  readonly edges: Edge<T>[];
  constructor(
    readonly page: Page<T>,
    readonly window: Window,
  ) {
    this.edges = page.items.map((item, i) => new Edge(item, window.offset + i));
  }
  /** Only computed when selected: an uncounted page has no size to give. */
  get totalCount(): number {
    return counted(this.page);
  }
  get pageInfo(): PageInfo {
    return new PageInfo(this.edges, this.window.offset, this.page);
  }
}

class PageInfo {
  constructor(
    private readonly edges: readonly Edge<{ node: unknown }>[],
    private readonly offset: number,
    private readonly page: Page<unknown>,
  ) {}
  get startCursor(): string | null {
    return this.edges[0]?.cursor ?? null;
  }
  get endCursor(): string | null {
    return this.edges.at(-1)?.cursor ?? null;
  }
  get hasPreviousPage(): boolean {
    return this.offset > 0;
  }
  get hasNextPage(): boolean {
    return this.offset + this.edges.length < counted(this.page);
  }
}

export const toConnection = <T extends { node: unknown }>(page: Page<T>, window: Window) =>
  new Connection(page, window);

/** Wraps bare nodes as items, for lists whose edges say nothing more. */
export const asItems = <T>(page: Page<T>): Page<{ node: T }> => ({
  totalCount: page.totalCount,
  items: page.items.map((node) => ({ node })),
});
