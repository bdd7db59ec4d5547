import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { dataOf } from '../helpers/gql-data.ts';
import {
  attackIdOf,
  GROUP,
  NEW,
  OLD,
  type Raw,
  RENAMED,
  usedTechniques,
  withTwoReleases,
} from '../helpers/releases.ts';

let app: TestApp;
let raw: Record<string, Raw[]>;

beforeAll(async () => {
  ({ app, raw } = await withTwoReleases());
});
afterAll(() => app?.close());

const nameIn = (release: string, id: string) => raw[release]?.find((o) => o.id === id)?.name;
const groupAttackId = () => attackIdOf(raw[OLD]?.find((o) => o.id === GROUP) ?? {});

const LOOKUP = `query ($release: String) {
  technique(stixId: "${RENAMED}", release: $release) { name release }
}`;

describe('one release or another', () => {
  it('the fixture differs between the releases (else the tests below prove nothing)', () => {
    expect(nameIn(OLD, RENAMED)).not.toBe(nameIn(NEW, RENAMED));
    expect(usedTechniques(raw[OLD] ?? [], GROUP)).not.toEqual(usedTechniques(raw[NEW] ?? [], GROUP));
  });

  it('without release a lookup reads the newest release; with one, that release', async () => {
    const newest = dataOf(await app.gql<{ technique: { name: string; release: string } }>(LOOKUP));
    expect(newest.technique).toEqual({ name: nameIn(NEW, RENAMED), release: NEW });
    for (const release of [OLD, NEW]) {
      const data = dataOf(await app.gql<{ technique: { name: string } }>(LOOKUP, { release }));
      expect(data.technique).toEqual({ name: nameIn(release, RENAMED), release });
    }
  });

  it("a group's techniques (and their names, read a level down) are those of the release asked for", async () => {
    const query = `query ($release: String, $id: String!) {
      group(attackId: $id, release: $release) {
        release
        techniques(first: 100) { nodes { attackId name release } }
      }
    }`;
    for (const release of [undefined, OLD, NEW]) {
      const at = release ?? NEW;
      type Data = {
        group: {
          release: string;
          techniques: { nodes: { attackId: string; name: string; release: string }[] };
        };
      };
      const data = dataOf(await app.gql<Data>(query, { release, id: groupAttackId() }));
      const nodes = data.group.techniques.nodes;
      expect(nodes.map((n) => n.attackId).sort()).toEqual(usedTechniques(raw[at] ?? [], GROUP));
      expect(nodes.every((n) => n.release === at)).toBe(true);
      const byAttackId = new Map((raw[at] ?? []).map((o) => [attackIdOf(o), o.name]));
      for (const n of nodes) expect(n.name).toBe(byAttackId.get(n.attackId));
    }
  });

  it('lists, search and the matrix read the release asked for', async () => {
    const query = `query ($release: String) {
      techniques(release: $release, first: 100) { totalCount nodes { stixId name } }
      search(text: "LSASS", release: $release) { nodes { stixId name release } }
      tactics(release: $release) { release techniques(includeSubtechniques: true) { nodes { stixId name } } }
    }`;
    type Named = { stixId: string; name: string; release?: string };
    type Data = {
      techniques: { totalCount: number; nodes: Named[] };
      search: { nodes: Named[] };
      tactics: { release: string; techniques: { nodes: Named[] } }[];
    };
    for (const release of [OLD, NEW]) {
      const data = dataOf(await app.gql<Data>(query, { release }));
      const expected = (raw[release] ?? []).filter(
        (o) => o.type === 'attack-pattern' && !o.revoked && !o.x_mitre_deprecated,
      );
      expect(data.techniques.totalCount).toBe(expected.length);
      for (const n of data.techniques.nodes) expect(n.name).toBe(nameIn(release, n.stixId));
      expect(data.search.nodes.map((n) => n.stixId)).toContain(RENAMED);
      for (const n of data.search.nodes)
        expect([n.name, n.release]).toEqual([nameIn(release, n.stixId), release]);
      expect(data.tactics.every((t) => t.release === release)).toBe(true);
      const inMatrix = data.tactics.flatMap((t) => t.techniques.nodes);
      expect(inMatrix.map((n) => n.stixId)).toContain(RENAMED);
      for (const n of inMatrix) expect(n.name).toBe(nameIn(release, n.stixId));
    }
  });

  it('a node id names its release: node(id:) fetches that release again', async () => {
    const ids = dataOf(
      await app.gql<{ a: { id: string }; b: { id: string } }>(`{
        a: technique(stixId: "${RENAMED}", release: "${OLD}") { id }
        b: technique(stixId: "${RENAMED}") { id }
      }`),
    );
    expect(ids.a.id).not.toBe(ids.b.id);
    const data = dataOf(
      await app.gql<{ a: { name: string }; b: { name: string } }>(
        `query ($a: ID!, $b: ID!) { a: node(id: $a) { ... on Technique { name } } b: node(id: $b) { ... on Technique { name } } }`,
        { a: ids.a.id, b: ids.b.id },
      ),
    );
    expect([data.a.name, data.b.name]).toEqual([nameIn(OLD, RENAMED), nameIn(NEW, RENAMED)]);
  });

  it('two releases in one request do not mix: each alias reads its own', async () => {
    const data = dataOf(
      await app.gql<
        Record<
          'a' | 'b',
          { name: string; parent: { name: string } | null; groups: { nodes: { release: string }[] } }
        >
      >(`{
        a: technique(stixId: "${RENAMED}", release: "${OLD}") { name groups { nodes { release } } }
        b: technique(stixId: "${RENAMED}", release: "${NEW}") { name groups { nodes { release } } }
      }`),
    );
    expect(data.a.name).toBe(nameIn(OLD, RENAMED));
    expect(data.b.name).toBe(nameIn(NEW, RENAMED));
    expect(data.a.groups.nodes.map((n) => n.release)).toEqual(data.a.groups.nodes.map(() => OLD));
    expect(data.b.groups.nodes.map((n) => n.release)).toEqual(data.b.groups.nodes.map(() => NEW));
  });

  it('naming a release adds no round trip once the imported releases are known', async () => {
    const query = `query ($release: String) {
      tactic(shortname: "credential-access", release: $release) { groups { edges { node { attackId } techniques { attackId } } } }
    }`;
    await app.gql(query, { release: OLD });
    const named = await app.gql(query, { release: OLD });
    const newest = await app.gql(query);
    expect(named.errors ?? []).toEqual([]);
    expect(named.extensions?.dbRoundTrips).toBe(newest.extensions?.dbRoundTrips);
  });
});

describe('the analyst queries in a release', () => {
  it('rank and layer the techniques the group uses in the release asked for', async () => {
    const query = `query ($release: String, $group: String!) {
      techniquePrevalence(release: $release) { techniques { technique { attackId release } count } }
      groupsLayer(groups: [$group], release: $release) { layer }
    }`;
    type Data = {
      techniquePrevalence: {
        techniques: { technique: { attackId: string; release: string }; count: number }[];
      };
      groupsLayer: {
        layer: { versions: { attack: string }; techniques: { techniqueID: string; score?: number }[] };
      };
    };
    for (const release of [undefined, OLD, NEW]) {
      const at = release ?? NEW;
      const data = dataOf(await app.gql<Data>(query, { release, group: groupAttackId() }));
      const expected = usedTechniques(raw[at] ?? [], GROUP);
      const ranked = data.techniquePrevalence.techniques;
      expect(ranked.map((t) => t.technique.attackId).sort()).toEqual(expected);
      expect(ranked.every((t) => t.technique.release === at && t.count === 1)).toBe(true);
      const layer = data.groupsLayer.layer;
      // Scored entries are the techniques used; parents of used sub-techniques are only opened.
      const scored = layer.techniques.filter((t) => t.score !== undefined).map((t) => t.techniqueID);
      expect([...new Set(scored)].sort()).toEqual(expected);
      // A layer names the major release only (Navigator's `versions.attack`).
      expect(layer.versions.attack).toBe(at.split('.')[0]);
    }
  });
});

describe('layer downloads', () => {
  it("take release: the layer of each release has that release's techniques; an unknown one is a 400", async () => {
    for (const release of [OLD, NEW]) {
      const response = await app.yoga.fetch(
        `http://test/layers/groups/${groupAttackId()}.json?release=${release}`,
      );
      expect(response.status).toBe(200);
      const layer = (await response.json()) as { techniques: { techniqueID: string; score?: number }[] };
      const scored = layer.techniques.filter((t) => t.score !== undefined).map((t) => t.techniqueID);
      expect([...new Set(scored)].sort()).toEqual(usedTechniques(raw[release] ?? [], GROUP));
    }
    const unknown = await app.yoga.fetch(`http://test/layers/groups/${groupAttackId()}.json?release=9.9`);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toContain('9.9');
  });
});

describe('an unknown release', () => {
  it.each([
    ['a lookup', '{ technique(attackId: "T1003", release: "9.9") { name } }'],
    ['a list', '{ groups(release: "9.9") { totalCount } }'],
    ['search', '{ search(text: "LSASS", release: "9.9") { totalCount } }'],
    ['the matrix', '{ tactics(release: "9.9") { name } }'],
    ['an analyst query', '{ techniquePrevalence(release: "9.9") { actorCount } }'],
  ])('%s: UNKNOWN_RELEASE naming it and the imported releases', async (_what, query) => {
    const body = await app.gql(query);
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['UNKNOWN_RELEASE']);
    const message = body.errors?.[0]?.message ?? '';
    for (const name of ['9.9', OLD, NEW]) expect(message).toContain(name);
    expect(body.errors?.[0]?.extensions?.releases).toEqual(expect.arrayContaining([OLD, NEW]));
  });
});

describe('releases', () => {
  it('lists every imported release, newest first, with its counts; the newest is current', async () => {
    type Release = {
      domain: string;
      release: string;
      current: boolean;
      modified: string | null;
      importedAt: string | null;
      objectCount: number;
      counts: { type: string; count: number }[];
    };
    const data = dataOf(
      await app.gql<{ releases: Release[] }>(
        '{ releases { domain release current modified importedAt objectCount counts { type count } } }',
      ),
    );
    expect(data.releases.map((r) => [r.domain, r.release, r.current])).toEqual([
      ['enterprise-attack', NEW, true],
      ['enterprise-attack', OLD, false],
    ]);
    for (const r of data.releases) {
      const objects = raw[r.release] ?? [];
      const techniques = objects.filter((o) => o.type === 'attack-pattern').length;
      expect(r.counts.find((c) => c.type === 'Technique')?.count).toBe(techniques);
      expect(r.objectCount).toBe(r.counts.reduce((sum, c) => sum + c.count, 0));
      expect(r.importedAt).not.toBeNull();
    }
  });
});
