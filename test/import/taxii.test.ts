import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSource } from '../../import/index.ts';
import { connectTestDb, type TestDb } from '../helpers/db.ts';
import { graphDigest } from '../helpers/graph.ts';
import { MINI_ENTERPRISE } from '../helpers/paths.ts';

const COLLECTION = 'x-mitre-collection--00000000-0000-4000-8000-0000000000c0';
const PAGE = 7;
const MEDIA = 'application/taxii+json;version=2.1';

type Obj = { id: string; modified?: string; [k: string]: unknown };

/**
 * A small TAXII 2.1 server on loopback: one collection, served in pages of PAGE objects with
 * `more`/`next`, filtered by `added_after` (each object's date_added is its `modified`).
 */
function taxiiServer(objects: () => Obj[], seen: string[]): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    seen.push(url.pathname + url.search);
    if (
      url.pathname !== `/api/collections/${COLLECTION}/objects/` ||
      !req.headers.accept?.includes('taxii+json')
    ) {
      res.writeHead(404, { 'content-type': MEDIA }).end(JSON.stringify({ title: 'not found' }));
      return;
    }
    const after = url.searchParams.get('added_after');
    const all = objects().filter((o) => !after || (o.modified ?? '') > after);
    const start = Number(url.searchParams.get('next') ?? 0);
    const page = all.slice(start, start + PAGE);
    const more = start + PAGE < all.length;
    res
      .writeHead(200, { 'content-type': MEDIA })
      .end(JSON.stringify({ more, ...(more ? { next: String(start + PAGE) } : {}), objects: page }));
  });
}

let db: TestDb;
let server: Server;
let source: string;
let objects: Obj[];
const requests: string[] = [];

beforeAll(async () => {
  db = await connectTestDb();
  objects = JSON.parse(await readFile(MINI_ENTERPRISE, 'utf8')).objects;
  server = taxiiServer(() => objects, requests);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  source = `taxii+http://127.0.0.1:${(server.address() as AddressInfo).port}/api/collections/${COLLECTION}`;
});
afterAll(async () => {
  server.close();
  await db.close();
});

describe('a TAXII 2.1 collection', () => {
  it('follows more/next paging and builds the same graph as the bundle file', async () => {
    await db.reset();
    await importSource(db.executor, MINI_ENTERPRISE);
    const fromFile = await graphDigest(db.executor, { attackOnly: true });
    await db.reset();
    const report = await importSource(db.executor, source);
    expect(report.input).toBe(objects.length);
    expect(requests.length).toBe(Math.ceil(objects.length / PAGE));
    expect(await graphDigest(db.executor, { attackOnly: true })).toEqual(fromFile);
  });

  it('pulls only what was added after a time, adding and updating without removing', async () => {
    const since = '2025-06-01T00:00:00.000Z';
    const changedAt = '2025-07-01T00:00:00.000Z';
    const technique = objects.find((o) => o.id === 'attack-pattern--00000000-0000-4000-8000-000000000200');
    Object.assign(technique ?? {}, { name: 'Account Discovery (renamed)', modified: changedAt });
    objects.push(
      {
        type: 'attack-pattern',
        id: 'attack-pattern--00000000-0000-4000-8000-000000000103',
        created: changedAt,
        modified: changedAt,
        name: 'DCSync',
        external_references: [{ source_name: 'mitre-attack', external_id: 'T1003.006' }],
        kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'credential-access' }],
        x_mitre_is_subtechnique: true,
      },
      {
        type: 'relationship',
        id: 'relationship--00000000-0000-4000-8000-000000001099',
        created: changedAt,
        modified: changedAt,
        relationship_type: 'uses',
        source_ref: 'intrusion-set--00000000-0000-4000-8000-000000000300',
        target_ref: 'attack-pattern--00000000-0000-4000-8000-000000000103',
      },
    );
    const before = await db.executor.read({
      name: 'test',
      cypher: 'MATCH (n:AttackObject) RETURN count(n) AS n',
    });
    requests.length = 0;

    const report = await importSource(db.executor, source, { addedAfter: since });
    expect(report.input).toBe(3);
    expect(requests.every((r) => r.includes('added_after='))).toBe(true);
    expect(report.summary).toEqual({ added: 1, modified: 1 });

    const [after] = await db.executor.read({
      name: 'test',
      cypher: 'MATCH (n:AttackObject) RETURN count(n) AS n',
    });
    expect(after?.n).toBe(Number(before[0]?.n) + 1);
    const [sub] = await db.executor.read({
      name: 'test',
      cypher: `MATCH (g:Group {attackId: 'G0001'})-[:USES]->(t:Technique {attackId: 'T1003.006'})
               MATCH (t)-[:SUBTECHNIQUE_OF]->(p) MATCH (t)-[:IN_TACTIC]->(x)
               RETURN p.attackId AS parent, x.shortname AS tactic`,
    });
    expect(sub).toEqual({ parent: 'T1003', tactic: 'credential-access' });
    const [renamed] = await db.executor.read({
      name: 'test',
      cypher:
        "MATCH (t:Technique {attackId: 'T1087'})-[:IN_TACTIC]->(x) RETURN t.name AS name, x.shortname AS tactic",
    });
    expect(renamed).toEqual({ name: 'Account Discovery (renamed)', tactic: 'discovery' });
  });

  it('reports a missing collection in one clear line', async () => {
    const error = await importSource(db.executor, source.replace(COLLECTION, 'nope')).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/TAXII server answered HTTP 404/);
  });
});
