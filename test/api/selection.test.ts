import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importSource } from '../../import/index.ts';
import { createLogger } from '../../src/logger.ts';
import type { Executor, Params, Row } from '../../src/neo4j/executor.ts';
import { createApp } from '../../src/yoga.ts';
import { createGql, type Gql } from '../helpers/app.ts';
import { connectTestDb, type TestDb } from '../helpers/db.ts';
import { dataOf } from '../helpers/gql-data.ts';
import { bundlePath } from '../helpers/paths.ts';

/*
 * Selection-aware reads: each level's Cypher returns only what the operation selects there. The
 * app runs over an executor that records every statement it sends and the rows that come back.
 */

interface Seen {
  name: string;
  cypher: string;
  params: Params;
  rows: Row[];
}

/** `executor`, recording each statement of every read and batch into `seen`. */
function recording(executor: Executor, seen: Seen[]): Executor {
  const view: Executor = {
    async read(query, params = {}, options) {
      const rows = await executor.read(query, params, options);
      seen.push({ name: query.name, cypher: query.cypher, params, rows });
      return rows;
    },
    async readBatch(reads, options) {
      const results = await executor.readBatch(reads, options);
      for (const [i, r] of reads.entries()) {
        seen.push({
          name: r.query.name,
          cypher: r.query.cypher,
          params: r.params ?? {},
          rows: results[i] ?? [],
        });
      }
      return results;
    },
    write: (name, work) => executor.write(name, work),
    // The app wraps this executor in `withDeadline`, whose batching reader reads through `view`.
    batching: () => {
      throw new Error('not used by the app');
    },
    close: () => executor.close(),
  };
  return view;
}

let db: TestDb;
let gql: Gql;
const seen: Seen[] = [];

beforeAll(async () => {
  db = await connectTestDb();
  await db.reset();
  await importSource(db.executor, bundlePath('enterprise-attack-18.1'));
  // The full-text index refreshes off the commit path; the search below must see the whole import.
  await db.executor.read({
    name: 'test.awaitFulltext',
    cypher: 'CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()',
  });
  const yoga = createApp({
    config: db.config,
    executor: recording(db.executor, seen),
    logger: createLogger('silent'),
  });
  gql = createGql(yoga);
});
afterAll(() => db?.close());
beforeEach(() => {
  seen.length = 0;
});

/** The statements of query family `name` that the last request ran. */
const statements = (name: string) => seen.filter((s) => s.name === name);
const only = (name: string): Seen => {
  const found = statements(name);
  expect(found.map((s) => s.name)).toEqual([name]);
  return found[0] as Seen;
};
type Item = Record<string, unknown> & { node: Record<string, unknown> };
const itemsOf = (s: Seen) => s.rows.flatMap((r) => r.items as Item[]);
const keysOf = (o: object) => Object.keys(o).sort();
const ATTACK_ID = /^T\d{4}(\.\d{3})?$/;

const HEADLINE = (edge: string, connection = '') => `{
  tactic(attackId: "TA0006") {
    groups(first: 1000) { ${connection} edges { node { attackId name } ${edge} } }
  }
}`;

/**
 * The one list that lookup `name` read ahead, as read: in the lookup's own statement (the one page
 * of its `pages` column, see `lookupAhead`), not in a statement of its own.
 */
function aheadRead(name: string) {
  const s = only(name);
  expect(seen.filter((x) => /^(related|usage)\./.test(x.name))).toEqual([]);
  const pages = s.rows[0]?.pages as { totalCount?: number; items: Item[] }[];
  expect(pages).toHaveLength(1);
  const page = pages[0] as { totalCount?: number; items: Item[] };
  return { cypher: s.cypher, items: page.items, page, node: s.rows[0]?.node as object };
}

/** The headline's groups, as the tactic's lookup read them. */
const groupsRead = () => aheadRead('objects.lookup.Tactic');

describe('the headline query reads only what it selects', () => {
  it('without `techniques`, no technique list is built or returned, and nothing else either', async () => {
    const data = dataOf(await gql<{ tactic: { groups: { edges: unknown[] } } }>(HEADLINE('')));
    expect(data.tactic.groups.edges.length).toBeGreaterThan(50);
    const s = groupsRead();
    expect(s.cypher).not.toMatch(/techniques|collect\(DISTINCT t\)|found/);
    const items = s.items;
    expect(items).toHaveLength(data.tactic.groups.edges.length);
    for (const item of items) {
      // An item without edge extras is its node's map itself (see `itemOf`). Not even the key or
      // the labels: no field there needs them, and the type is concrete.
      expect(keysOf(item)).toEqual(['attackId', 'name']);
    }
    // Nor is the size of the list: `totalCount` was not selected.
    expect('totalCount' in s.page).toBe(false);
    // The tactic itself: only its key (STIX id and release), which `groups` follows.
    expect(keysOf(s.node)).toEqual(['release', 'stixId']);
  });

  it('with `techniques { attackId }`, each edge carries its techniques with only their ATT&CK IDs', async () => {
    const data = dataOf(
      await gql<{ tactic: { groups: { edges: { techniques: { attackId: string }[] }[] } } }>(
        HEADLINE('techniques { attackId }'),
      ),
    );
    const { items } = groupsRead();
    expect(items.every((i) => keysOf(i).join() === 'node,techniques')).toBe(true);
    // One property read: each node on the edge is that property itself, not a map of it.
    const techniques = items.flatMap((i) => i.techniques as unknown[]);
    expect(techniques.length).toBeGreaterThan(items.length);
    expect(techniques.every((t) => typeof t === 'string' && ATTACK_ID.test(t))).toBe(true);
    const shown = data.tactic.groups.edges.flatMap((e) => e.techniques.map((t) => t.attackId));
    expect(shown.sort()).toEqual([...(techniques as string[])].sort());
  });

  it('`via` and `totalCount` are read when selected, and the groups are the same either way', async () => {
    const plain = dataOf(
      await gql<{ tactic: { groups: { edges: { node: { attackId: string } }[] } } }>(HEADLINE('')),
    );
    seen.length = 0;
    const full = dataOf(
      await gql<{
        tactic: { groups: { totalCount: number; edges: { node: { attackId: string }; via: string[] }[] } };
      }>(HEADLINE('via', 'totalCount')),
    );
    const s = groupsRead();
    expect(s.items.every((i) => keysOf(i).join() === 'node,via')).toBe(true);
    expect(typeof s.page.totalCount).toBe('number');
    expect(full.tactic.groups.totalCount).toBe(full.tactic.groups.edges.length);
    expect(full.tactic.groups.edges.map((e) => e.node.attackId)).toEqual(
      plain.tactic.groups.edges.map((e) => e.node.attackId),
    );
  });
});

describe('usage walks only the paths `via` asks for', () => {
  const groupsVia = (via: string) => `{
    tactic(attackId: "TA0006") { groups(first: 1000${via}) { edges { node { attackId } via } } }
  }`;
  type Groups = { tactic: { groups: { edges: { node: { attackId: string }; via: string[] }[] } } };
  const branches = (cypher: string) => [...cypher.matchAll(/'(\w+)' AS via/g)].map((m) => m[1]);

  it('the default (DIRECT) writes one branch; asking for more writes those, and finds more groups', async () => {
    const direct = dataOf(await gql<Groups>(groupsVia('')));
    expect(branches(groupsRead().cypher)).toEqual(['DIRECT']);
    seen.length = 0;
    const wider = dataOf(await gql<Groups>(groupsVia(', via: [SOFTWARE, DIRECT]')));
    expect(branches(groupsRead().cypher)).toEqual(['DIRECT', 'SOFTWARE']);
    const directIds = direct.tactic.groups.edges.map((e) => e.node.attackId);
    const widerIds = wider.tactic.groups.edges.map((e) => e.node.attackId);
    expect(widerIds.length).toBeGreaterThan(directIds.length);
    expect(widerIds).toEqual(expect.arrayContaining(directIds));
    expect(new Set(wider.tactic.groups.edges.flatMap((e) => e.via))).toEqual(new Set(['DIRECT', 'SOFTWARE']));
  });

  it('no path at all finds no group', async () => {
    const none = dataOf(await gql<Groups>(groupsVia(', via: []')));
    expect(none.tactic.groups.edges).toEqual([]);
  });
});

describe('every level reads only what it selects', () => {
  it("a lookup reads the properties asked for, not the object's texts", async () => {
    dataOf(await gql('{ technique(attackId: "T1003") { attackId name } }'));
    const s = only('objects.lookup.Technique');
    expect(s.cypher).not.toContain('.*');
    expect(keysOf(s.rows[0]?.node as object)).toEqual(['attackId', 'name']);
  });

  it('procedure text and citations are read only when `description` or `references` is selected', async () => {
    const query = (edge: string) =>
      `{ group(attackId: "G0016") { techniques(first: 1000) { edges { node { attackId } ${edge} } } } }`;
    dataOf(await gql(query('')));
    let s = aheadRead('objects.lookup.Group');
    expect(s.cypher).not.toMatch(/description|referencesJson/);
    // No extra and one property: each item is the technique's ATT&CK ID itself.
    expect((s.items as unknown[]).every((i) => typeof i === 'string' && ATTACK_ID.test(i))).toBe(true);

    seen.length = 0;
    const data = dataOf(
      await gql<{ group: { techniques: { edges: { description: string | null }[] } } }>(query('description')),
    );
    s = aheadRead('objects.lookup.Group');
    expect(s.cypher).not.toContain('referencesJson');
    expect(s.items.every((i) => keysOf(i).join() === 'description,node')).toBe(true);
    expect(data.group.techniques.edges.some((e) => (e.description ?? '').length > 0)).toBe(true);
  });

  it('nested fields, fragments, aliases and @skip decide the projection together', async () => {
    const data = dataOf(
      await gql<{ technique: { subtechniques: { nodes: Record<string, unknown>[] } } }>(
        `query ($skip: Boolean!) {
          technique(attackId: "T1003") {
            subtechniques(first: 1000) {
              nodes {
                attackId
                named: name
                description @skip(if: $skip)
                ... on Technique { platforms }
                ...More
              }
            }
          }
        }
        fragment More on AttackObject { url }`,
        { skip: true },
      ),
    );
    // No edge extras selected: each item is the node's map (see `itemOf`).
    const nodes = aheadRead('objects.lookup.Technique').items;
    expect(nodes.length).toBeGreaterThan(3);
    for (const n of nodes) expect(keysOf(n)).toEqual(['attackId', 'name', 'platforms', 'url']);
    expect(data.technique.subtechniques.nodes.every((n) => typeof n.named === 'string' && n.url)).toBe(true);
    // Nothing was read twice: the level's properties came with its own query, not a second one.
    expect(statements('objects.complete')).toEqual([]);
  });

  it('an interface reads the labels that resolve its object type; relationships read the key', async () => {
    const data = dataOf(
      await gql<{ search: { nodes: { __typename: string; attackId: string; tactics?: unknown }[] } }>(
        `{ search(text: "credential dumping", first: 5) {
            nodes { __typename attackId ... on Technique { tactics { nodes { attackId } } } }
          } }`,
      ),
    );
    const nodes = itemsOf(only('objects.search')).map((i) => i.node);
    for (const n of nodes) expect(keysOf(n)).toEqual(['attackId', 'nodeLabels', 'release', 'stixId']);
    expect(data.search.nodes.some((n) => n.__typename === 'Technique' && n.tactics)).toBe(true);
  });

  it('`hasNextPage` counts the list; cursors alone do not', async () => {
    const query = (pageInfo: string) =>
      `{ technique(attackId: "T1003") { subtechniques(first: 2) { pageInfo { ${pageInfo} } nodes { attackId } } } }`;
    const data = dataOf(
      await gql<{ technique: { subtechniques: { pageInfo: { hasNextPage: boolean } } } }>(
        query('hasNextPage'),
      ),
    );
    expect(data.technique.subtechniques.pageInfo.hasNextPage).toBe(true);
    expect(typeof aheadRead('objects.lookup.Technique').page.totalCount).toBe('number');

    seen.length = 0;
    dataOf(await gql(query('endCursor hasPreviousPage')));
    const s = aheadRead('objects.lookup.Technique');
    expect('totalCount' in s.page).toBe(false);
    expect(s.items).toHaveLength(2);
  });

  it('a field whose row lacks a property still answers, from the complete row', async () => {
    // `node(id:)` loads complete rows; related lists under it project; both answer the same.
    const lookup = dataOf(
      await gql<{ technique: { id: string; description: string } }>(
        '{ technique(attackId: "T1003") { id description } }',
      ),
    );
    const viaNode = dataOf(
      await gql<{ node: { description: string } }>(
        'query ($id: ID!) { node(id: $id) { ... on Technique { description } } }',
        {
          id: lookup.technique.id,
        },
      ),
    );
    expect(viaNode.node.description).toBe(lookup.technique.description);
    expect(lookup.technique.description.length).toBeGreaterThan(100);
  });
});

describe('the matrix reads each level once', () => {
  it("each technique's sub-techniques come in its own item: no second look-up by key, and no key read", async () => {
    const data = dataOf(
      await gql<{
        tactics: { techniques: { nodes: { attackId: string; subtechniques: { nodes: unknown[] } }[] } }[];
      }>(
        `{ tactics(domain: ENTERPRISE) { attackId techniques(first: 500) { totalCount nodes { attackId subtechniques { nodes { attackId } } } } } }`,
      ),
    );
    const s = only('objects.tactics.matrix');
    // The technique the level just listed is not found again by its STIX id to read its sub-techniques.
    expect(s.cypher).not.toMatch(/stixId: item\.node\.stixId/);
    const listed = s.rows.flatMap((r) => (r.page as { items: Item[] }).items);
    const shown = data.tactics.flatMap((t) => t.techniques.nodes);
    expect(listed).toHaveLength(shown.length);
    for (const item of listed) {
      expect(keysOf(item)).toEqual(['node', 'sub']);
      // Not even the technique's key: its sub-techniques come with its row, found by that row. The
      // one property read is the node itself; so is each sub-technique's.
      expect(item.node).toMatch(ATTACK_ID);
      for (const sub of (item.sub as { items: unknown[] }).items) expect(sub).toMatch(ATTACK_ID);
    }
    expect(JSON.stringify(s.rows)).not.toContain('attack-pattern--');
    expect(shown.reduce((n, t) => n + t.subtechniques.nodes.length, 0)).toBeGreaterThan(300);
  });

  it('the technique key is read when another field needs it, and a differently-asked list reads for itself', async () => {
    type Tech = { id: string; attackId: string; subtechniques: { nodes: { attackId: string }[] } };
    const data = dataOf(
      await gql<{
        tactics: {
          techniques: { nodes: Tech[]; edges: { node: { subtechniques: { nodes: unknown[] } } }[] };
        }[];
      }>(
        `{ tactics(domain: ENTERPRISE) { techniques(first: 500) {
             nodes { id attackId subtechniques { nodes { attackId } } }
             edges { node { subtechniques(first: 1) { nodes { attackId } } } }
           } } }`,
      ),
    );
    const listed = only('objects.tactics.matrix').rows.flatMap((r) => (r.page as { items: Item[] }).items);
    for (const item of listed) expect(keysOf(item.node)).toEqual(['attackId', 'release', 'stixId']);
    // The first page of each technique's sub-techniques, asked for under `edges`, is read by key:
    // once per technique, in one batch, or one more per pause of the request guard (the answer
    // resolves several thousand fields, so the guard pauses, and a pause sends the reads queued so far).
    const byKey = statements('related.technique.subtechniques');
    expect(byKey.length).toBeGreaterThanOrEqual(1);
    expect(byKey.length).toBeLessThanOrEqual(3);
    const keys = byKey.flatMap((st) => (st.params.keys as { stixId: string }[]).map((k) => k.stixId));
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(keys).size).toBe(new Set(listed.map((item) => item.node.stixId)).size);
    for (const t of data.tactics) {
      for (const [i, node] of t.techniques.nodes.entries()) {
        expect(Buffer.from(node.id, 'base64').toString()).toMatch(/^Technique:attack-pattern--/);
        const first = t.techniques.edges[i]?.node.subtechniques.nodes;
        expect(first).toEqual(node.subtechniques.nodes.slice(0, 1));
      }
    }
  });
});
