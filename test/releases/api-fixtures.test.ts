/**
 * The v19 shape over the API: the v18-like (release 18.0) and v19-like (19.0) fixtures imported side
 * by side once for the whole file, then releaseDiff, migrate, migrateLayer and the layer upload
 * (POST /layers/migrate) read them from their snapshots. The pure functions' answers on the same
 * fixtures (test/unit/releases-v19.test.ts) are the reference.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSource } from '../../import/index.ts';
import { fetchCatalog } from '../../src/data/releases.ts';
import { type Catalog, catalogFromBundle, migrate } from '../../src/releases/index.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { fixturePath, V19_MIGRATION_ITEMS } from '../helpers/paths.ts';
import { serve } from '../helpers/server.ts';

const V18 = fixturePath('v18-like-enterprise.json');
const V19 = fixturePath('v19-like-enterprise.json');
let app: TestApp;

beforeAll(async () => {
  app = await createTestApp();
  await app.db.reset();
  for (const file of [V18, V19]) await importSource(app.db.executor, file);
}, 300_000);
afterAll(() => app?.close());

const catalog = (file: string, release: string) =>
  catalogFromBundle(JSON.parse(readFileSync(file, 'utf8')), release);
const enumOf = (value: string) => value.toUpperCase().replace(/-/g, '_');

interface Item {
  item: string;
  kind: string;
  outcome: string;
  reason: string;
  to: { attackId: string | null }[];
  chain: { attackId: string | null }[];
  migrated: string[];
}

describe('the catalog read from a snapshot (src/data/releases.ts)', () => {
  it.each([
    [V18, '18.0'],
    [V19, '19.0'],
  ])('equals the pure catalog of the file, but for the content fingerprints (%s)', async (file, release) => {
    // Content: the import's hash in the graph, a hash of the raw JSON in the file; each compares only with its kind.
    const strip = (c: Catalog) => ({
      ...c,
      objects: c.objects.map(({ content: _, ...o }) => o).sort((a, b) => a.stixId.localeCompare(b.stixId)),
      relationships: c.relationships
        .map(({ content: _, ...r }) => r)
        .sort((a, b) => a.key.localeCompare(b.key)),
    });
    const read = await fetchCatalog(app.db.executor, 'enterprise-attack', release);
    expect(strip(read)).toEqual(strip(catalog(file, release)));
    expect(read.objects.length).toBeGreaterThan(10);
  });

  it('is empty for a release or domain that is not imported', async () => {
    for (const [domain, release] of [
      ['enterprise-attack', '17.1'],
      ['mobile-attack', '19.0'],
    ] as const)
      expect(await fetchCatalog(app.db.executor, domain, release)).toEqual({
        domain,
        release,
        objects: [],
        relationships: [],
      });
  });
});

describe('migrate 18.0 -> 19.0 over GraphQL', () => {
  it('gives every item the outcome the pure migration of the fixture files gives', async () => {
    const res = await app.gql<{ migrate: Item[] }>(
      `query M($items: [String!]!) { migrate(from: "18.0", items: $items) {
        item kind outcome reason to { attackId } chain { attackId } migrated } }`,
      { items: V19_MIGRATION_ITEMS },
    );
    expect(res.errors).toBeUndefined();
    const got = res.data?.migrate ?? [];
    const pure = migrate(V19_MIGRATION_ITEMS, catalog(V18, '18.0'), catalog(V19, '19.0'));
    const view = (m: Pick<Item, 'item' | 'outcome' | 'to' | 'chain' | 'migrated' | 'reason'>) => [
      m.item,
      enumOf(m.outcome),
      m.to.map((r) => r.attackId),
      m.chain.map((r) => r.attackId),
      m.migrated,
      m.reason,
    ];
    expect(got.map(view)).toEqual(pure.map(view));
    const one = (item: string) => got.find((m) => m.item === item);
    // What the issue asks of the v19 shape, said plainly.
    expect(one('TA0005')).toMatchObject({ outcome: 'NEEDS_REVIEW', migrated: ['TA0005', 'TA0112'] });
    expect(one('TA0005')?.reason).toMatch(/Defense Evasion is now TA0005 Stealth/);
    expect(one('T1027')).toMatchObject({ outcome: 'REPLACED', migrated: ['T1685'] });
    expect(one('T1600')?.chain.map((c) => c.attackId)).toEqual(['T1550', 'T1686']);
    expect(one('T1562.001')).toMatchObject({ outcome: 'MOVED' });
    expect(one('T1112')).toMatchObject({ outcome: 'DEPRECATED' });
    expect(one('T1685')).toMatchObject({ outcome: 'UNKNOWN_IN_FROM' });
    expect(one('T9999')).toMatchObject({ outcome: 'UNKNOWN' });
    expect(one('attack.t1027')).toMatchObject({ kind: 'SIGMA_TAG', migrated: ['attack.t1685'] });
  });
});

describe('the catalogs of a release pair', () => {
  it('are read once per data version: a later question on the same pair only reads the data version', async () => {
    const ask = (items: string[]) =>
      app.gql(
        `query M($items: [String!]!) { migrate(from: "18.0", to: "19.0", items: $items) { outcome } }`,
        { items },
      );
    await ask(['T1003']);
    const again = await ask(['T1027', 'T1070']);
    expect(again.errors).toBeUndefined();
    expect(again.extensions?.dbRoundTrips).toBe(1);
  });
});

describe('releaseDiff 18.0 -> 19.0 over GraphQL', () => {
  it('shows the tactic renamed in place, the new tactic and techniques, and the replacements', async () => {
    const res = await app.gql<{
      releaseDiff: {
        objects: {
          attackId: string;
          change: string;
          renamed: { toName: string } | null;
          moved: { from: string[]; to: string[] } | null;
          replacedBy: { attackId: string }[];
        }[];
        counts: { moved: number; renamed: number };
      };
    }>(`{ releaseDiff(from: "18.0", to: "19.0") {
        objects { attackId change renamed { toName } moved { from to } replacedBy { attackId } }
        counts { moved renamed } } }`);
    expect(res.errors).toBeUndefined();
    const diff = res.data?.releaseDiff;
    const change = (id: string) => diff?.objects.find((o) => o.attackId === id);
    expect(change('TA0005')).toMatchObject({
      change: 'MODIFIED',
      renamed: { toName: 'Stealth' },
      moved: null,
    });
    for (const id of ['TA0112', 'T1685', 'T1686']) expect(change(id)?.change).toBe('ADDED');
    expect(change('T1027')).toMatchObject({ change: 'REVOKED', replacedBy: [{ attackId: 'T1685' }] });
    expect(change('T1562.001')?.moved).toEqual({ from: ['defense-evasion'], to: ['defense-impairment'] });
    expect(diff?.counts.moved).toBe(diff?.objects.filter((o) => o.moved).length);
  });

  it('narrowed to APT29: the techniques it lost, and why', async () => {
    const res = await app.gql<{
      releaseDiff: {
        focus: {
          techniques: { lost: { technique: { attackId: string }; reason: string; carriedOver: boolean }[] };
        };
      };
    }>(`{ releaseDiff(from: "18.0", focus: {group: "Cozy Bear"}) { focus { techniques {
        lost { technique { attackId } reason carriedOver } } } } }`);
    expect(res.errors).toBeUndefined();
    const lost = res.data?.releaseDiff.focus.techniques.lost.map((l) => [
      l.technique.attackId,
      l.reason,
      l.carriedOver,
    ]);
    expect(lost?.sort()).toEqual([
      ['T1027', 'TECHNIQUE_REVOKED', true],
      ['T1070', 'USAGE_REMOVED', false],
      ['T1112', 'TECHNIQUE_DEPRECATED', false],
      ['T1550', 'TECHNIQUE_REVOKED', false],
    ]);
  });

  it('refuses a focus on an unknown object, or both kinds of focus, as bad input', async () => {
    const unknown = await app.gql(`{ releaseDiff(from: "18.0", focus: {object: "G9999"}) { from } }`);
    expect(unknown.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(unknown.errors?.[0]?.message).toMatch(/unknown object "G9999"/);
    const both = await app.gql(
      `{ releaseDiff(from: "18.0", focus: {object: "T1003", group: "APT29"}) { from } }`,
    );
    expect(both.errors?.[0]?.message).toMatch(/not both/);
  });
});

const LAYER = {
  name: 'saved work',
  versions: { attack: '18', navigator: '4.8.2', layer: '4.3' },
  domain: 'enterprise-attack',
  gradient: { colors: ['#ff6666', '#8ec843'], minValue: 0, maxValue: 10 },
  techniques: [
    { techniqueID: 'T1027', tactic: 'defense-evasion', score: 7, color: '#ff0000', comment: 'rule 12' },
    { techniqueID: 'T1562.001', tactic: 'defense-evasion', score: 2 },
    { techniqueID: 'T1003', score: 3, metadata: [{ name: 'owner', value: 'soc' }] },
  ],
};

type LayerOut = {
  versions: { attack: string; layer: string };
  techniques: {
    techniqueID: string;
    tactic?: string;
    score?: number;
    color?: string;
    comment?: string;
    metadata?: { name?: string; value?: string }[];
  }[];
};

const upload = (
  target: TestApp | ReturnType<typeof serve>,
  body: string,
  query = '',
  headers: Record<string, string> = {},
) =>
  target.yoga.fetch(`http://test/layers/migrate${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

const notes = (t: LayerOut['techniques'][number] | undefined, name: string) =>
  (t?.metadata ?? []).filter((m) => m.name === name).map((m) => m.value);

describe('migrateLayer and the layer upload', () => {
  it('read the release from the layer, keep each entry and record its outcome', async () => {
    const res = await app.gql<{
      migrateLayer: { from: string; to: string; layer: LayerOut; entries: { outcome: string }[] };
    }>(
      `query L($layer: NavigatorLayerInput!) { migrateLayer(layer: $layer) { from to layer entries { outcome } } }`,
      { layer: LAYER },
    );
    expect(res.errors).toBeUndefined();
    const out = res.data?.migrateLayer;
    expect([out?.from, out?.to]).toEqual(['18.0', '19.0']);
    expect(out?.layer.versions).toMatchObject({ attack: '19', layer: '4.5' });
    const t1685 = out?.layer.techniques.find((t) => t.techniqueID === 'T1685');
    expect(t1685).toMatchObject({ tactic: 'stealth', score: 7, color: '#ff0000', comment: 'rule 12' });
    expect(notes(t1685, 'migration')).toEqual(['replaced']);
    expect(out?.layer.techniques.find((t) => t.techniqueID === 'T1562.001')?.tactic).toBe(
      'defense-impairment',
    );
    expect(
      notes(
        out?.layer.techniques.find((t) => t.techniqueID === 'T1003'),
        'owner',
      ),
    ).toEqual(['soc']);
    expect(out?.entries.map((e) => e.outcome)).toEqual(['REPLACED', 'MOVED', 'UNCHANGED']);
  });

  it('round-trips over HTTP: the upload answers the same layer, and migrating it again changes nothing', async () => {
    const response = await upload(
      app,
      JSON.stringify(LAYER, null, 2),
      '?domain=enterprise-attack&from=18.0&to=19.0',
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe('inline; filename="layer-attack-19.0.json"');
    const migrated = (await response.json()) as LayerOut;
    const viaGraphQL = await app.gql<{ migrateLayer: { layer: LayerOut } }>(
      `query L($layer: NavigatorLayerInput!) { migrateLayer(layer: $layer, from: "18.0") { layer } }`,
      { layer: JSON.stringify(LAYER) },
    );
    expect(migrated).toEqual(viaGraphQL.data?.migrateLayer.layer);
    const again = await upload(app, JSON.stringify(migrated));
    expect(again.status).toBe(200);
    const twice = (await again.json()) as LayerOut;
    const entries = (l: LayerOut) => l.techniques.map((t) => [t.techniqueID, t.tactic, t.score]);
    expect(entries(twice)).toEqual(entries(migrated));
    expect(twice.techniques.map((t) => notes(t, 'migration').at(-1))).toEqual(
      migrated.techniques.map(() => 'unchanged'),
    );
  });

  it('refuses what is not a layer of the domain, or an unknown release, naming the field, and writes nothing', async () => {
    // Nothing written: the same nodes, relationships and import runs (the data version) after.
    const state = () =>
      app.db.executor.read({
        name: 'test.state',
        cypher: `MATCH (n) WITH count(n) AS nodes
          OPTIONAL MATCH ()-[r]->() WITH nodes, count(r) AS rels
          OPTIONAL MATCH (i:ImportRun) RETURN nodes, rels, count(i) AS runs, max(i.finishedAt) AS last`,
      });
    const before = await state();
    const cases: [string, string, number, string, RegExp][] = [
      ['{"name": "half', '', 400, 'BAD_USER_INPUT', /^layer: not JSON/],
      [
        '[1, 2]',
        '',
        400,
        'BAD_USER_INPUT',
        /layer: not a Navigator layer: expected one JSON object, got an array/,
      ],
      ['{"name": "x"}', '', 400, 'BAD_USER_INPUT', /^layer\.versions: not a Navigator 4\.x layer/],
      [
        JSON.stringify({ ...LAYER, versions: undefined, version: '3.0' }),
        '',
        400,
        'BAD_USER_INPUT',
        /layer\.version: a layer of format 3\.0/,
      ],
      [
        JSON.stringify({ ...LAYER, domain: 'mobile-attack' }),
        '',
        400,
        'BAD_USER_INPUT',
        /a layer for enterprise-attack was expected, this one is for mobile-attack/,
      ],
      [
        JSON.stringify(LAYER),
        '?from=17.1',
        400,
        'UNKNOWN_RELEASE',
        /release "17\.1" of enterprise-attack is not imported \(imported for enterprise-attack: 18\.0, 19\.0\)/,
      ],
      [
        JSON.stringify({ ...LAYER, versions: { ...LAYER.versions, attack: '15' } }),
        '',
        400,
        'UNKNOWN_RELEASE',
        /the layer is for ATT&CK 15/,
      ],
      [JSON.stringify(LAYER), '?domain=mobile', 400, 'BAD_USER_INPUT', /this one is for enterprise-attack/],
    ];
    for (const [body, query, status, code, message] of cases) {
      const response = await upload(app, body, query);
      const answer = (await response.json()) as { error: string; code: string };
      expect([response.status, answer.code, answer.error]).toEqual([
        status,
        code,
        expect.stringMatching(message),
      ]);
    }
    expect(await state()).toEqual(before);
  });

  it('need the API key when keys are configured, and count against the rate limit', async () => {
    const KEY = 'migrate-key-0123456789abcdef';
    const keyed = serve(app.db, { API_KEYS: KEY });
    expect((await upload(keyed, JSON.stringify(LAYER))).status).toBe(401);
    expect((await upload(keyed, JSON.stringify(LAYER), '', { authorization: `Bearer ${KEY}` })).status).toBe(
      200,
    );
    const limited = serve(app.db, { RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '1' });
    expect((await upload(limited, JSON.stringify(LAYER))).status).toBe(200);
    expect((await upload(limited, JSON.stringify(LAYER))).status).toBe(429);
  });

  it('refuses a layer over the body size limit with 413', async () => {
    const small = serve(app.db, { MAX_BODY_BYTES: '2048' });
    const big = JSON.stringify({ ...LAYER, description: 'x'.repeat(4096) });
    const response = await upload(small, big);
    expect(response.status).toBe(413);
  });
});
