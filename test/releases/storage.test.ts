/**
 * Releases side by side in the graph (issue 12, storage): each release a snapshot of its own,
 * :Current on the newest, a :Release record per (domain, release), import-run change sets against
 * the next-older release, and `npm run import -- --remove` run as a user runs it.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSource } from '../../import/index.ts';
import { fetchDataVersion } from '../../src/data/graph-state.ts';
import { importCli } from '../helpers/cli.ts';
import { connectTestDb, type TestDb } from '../helpers/db.ts';
import { graphDigest } from '../helpers/graph.ts';
import { MINI_ENTERPRISE, MINI_ICS } from '../helpers/paths.ts';

type Stix = { type: string; id: string; name?: string; modified?: string; x_mitre_version?: string };
type Bundle = { objects: Stix[] } & Record<string, unknown>;

let db: TestDb;
const read = (cypher: string, params = {}) => db.executor.read({ name: 'test', cypher }, params);
const count = async (cypher: string, params = {}) => Number((await read(cypher, params))[0]?.n);
const MIMIKATZ = 'tool--00000000-0000-4000-8000-000000000500';
const ACCOUNT_DISCOVERY = 'attack-pattern--00000000-0000-4000-8000-000000000200';

/** mini-enterprise as another release: `edit` changes its objects, the collection names `version`. */
async function release(dir: string, version: string, edit: (objects: Stix[]) => Stix[] = (o) => o) {
  const bundle = JSON.parse(await readFile(MINI_ENTERPRISE, 'utf8')) as Bundle;
  const objects = edit(bundle.objects).map((o) =>
    o.type === 'x-mitre-collection' ? { ...o, x_mitre_version: version } : o,
  );
  const file = path.join(dir, `mini-enterprise-${version}.json`);
  await writeFile(file, JSON.stringify({ ...bundle, objects }));
  return file;
}

const files = { v15: '', v20: '' };
beforeAll(async () => {
  db = await connectTestDb();
  await db.reset();
  const dir = await mkdtemp(path.join(tmpdir(), 'attack-graph-releases-'));
  // 2.0 renames a technique and drops a tool (and the two relationships at it).
  files.v20 = await release(dir, '2.0', (objects) =>
    objects
      .filter((o) => o.id !== MIMIKATZ && !JSON.stringify(o).includes(MIMIKATZ))
      .map((o) =>
        o.id === ACCOUNT_DISCOVERY
          ? { ...o, name: 'Account Discovery, renamed', modified: '2025-06-01T00:00:00.000Z' }
          : o,
      ),
  );
  files.v15 = await release(dir, '1.5');
  for (const source of [MINI_ENTERPRISE, MINI_ICS, files.v20]) await importSource(db.executor, source);
});
afterAll(() => db.close());

describe('releases side by side', () => {
  it('keeps each release whole, never links across releases, and marks only the newest :Current', async () => {
    const nodes = async (release: string) =>
      count(
        "MATCH (n:AttackObject {release: $release}) WHERE 'enterprise-attack' IN n.domains RETURN count(n) AS n",
        { release },
      );
    const v10 = await nodes('1.0');
    expect(v10).toBeGreaterThan(10);
    expect(await nodes('2.0')).toBe(v10 - 1);
    expect(await count('MATCH (a)-[r]->(b) WHERE a.release <> b.release RETURN count(r) AS n')).toBe(0);
    expect(await count("MATCH (n:Current) WHERE n.release <> '2.0' RETURN count(n) AS n")).toBe(0);
    expect(await count('MATCH (n:Current) RETURN count(n) AS n')).toBe(
      await count("MATCH (n:AttackObject {release: '2.0'}) RETURN count(n) AS n"),
    );
  });

  it('records each imported (domain, release) with its counts per type, read from the graph', async () => {
    const rows = await read(
      `MATCH (r:Release) RETURN r.domain AS domain, r.release AS release, r.objectCount AS objects,
              r.relationshipCount AS rels, r.countsJson AS counts, r.modified AS modified ORDER BY domain, release`,
    );
    expect(rows.map((r) => `${r.domain}@${r.release}`)).toEqual([
      'enterprise-attack@1.0',
      'enterprise-attack@2.0',
      'ics-attack@1.0',
    ]);
    for (const r of rows) {
      const counts = JSON.parse(String(r.counts)) as Record<string, number>;
      const byLabel = await read(
        `MATCH (n:AttackObject {release: $release}) WHERE $domain IN n.domains
         RETURN n.stixType AS type, count(n) AS n`,
        { release: r.release, domain: r.domain },
      );
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(r.objects);
      expect(r.objects).toBe(byLabel.reduce((a, x) => a + Number(x.n), 0));
      expect(r.rels).toBe(
        await count(
          'MATCH (a:AttackObject {release: $release})-[x]->() WHERE $domain IN x.domains RETURN count(x) AS n',
          { release: r.release, domain: r.domain },
        ),
      );
      expect(r.modified).toBe('2025-01-01T00:00:00.000Z');
    }
    const tools = (i: number) => JSON.parse(String(rows[i]?.counts)).Tool ?? 0;
    expect(tools(0) - tools(1)).toBe(1);
  });

  it("records an import run's change set against the domain's next-older release", async () => {
    const [run] = await read(
      "MATCH (r:ImportRun {domain: 'enterprise-attack', release: '2.0'}) RETURN r.changesJson AS c, r.relationshipChangesJson AS rc",
    );
    const changes = JSON.parse(String(run?.c)) as { change: string; stixId: string }[];
    expect(changes.map((c) => `${c.change} ${c.stixId}`).sort()).toEqual([
      `modified ${ACCOUNT_DISCOVERY}`,
      `removed ${MIMIKATZ}`,
    ]);
    const rels = JSON.parse(String(run?.rc)) as { change: string }[];
    expect(rels.map((r) => r.change)).toEqual(['removed', 'removed']);
  });

  it('writes nothing when an older release is imported again', async () => {
    const before = await graphDigest(db.executor);
    const report = await importSource(db.executor, MINI_ENTERPRISE);
    expect(report.changed).toBe(false);
    expect(await graphDigest(db.executor)).toEqual(before);
  });

  it('diffs a release imported between two others against the older one, and leaves :Current alone', async () => {
    // 1.5 is 1.0 again: against 1.0 nothing changed; against 2.0 a rename and a removal would show.
    const report = await importSource(db.executor, files.v15);
    expect(report.changed).toBe(true);
    expect(report.summary).toEqual({});
    expect(await count("MATCH (n:Current) WHERE n.release <> '2.0' RETURN count(n) AS n")).toBe(0);
  });
});

describe('npm run import -- --remove', () => {
  it('refuses an unknown release, naming it and what is imported, and writes nothing', async () => {
    const before = await graphDigest(db.executor);
    const { code, stderr } = await importCli(['--remove', 'enterprise-attack@9.9']);
    expect(code).toBe(1);
    expect(stderr).toContain(
      'error: enterprise-attack@9.9 is not imported; imported: enterprise-attack@1.0, enterprise-attack@1.5, enterprise-attack@2.0, ics-attack@1.0',
    );
    expect(await graphDigest(db.executor)).toEqual(before);
    const bad = await importCli(['--remove', 'enterprise']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error: enterprise: expected <domain>@<release>/);
  });

  it('removes the newest release, moves :Current to the next newest, and changes the data version', async () => {
    const version = await fetchDataVersion(db.executor);
    const { code, stderr } = await importCli(['--remove', 'enterprise@2.0']);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/removed enterprise-attack@2\.0: .*current release: 1\.5/);
    expect(await count("MATCH (n:AttackObject {release: '2.0'}) RETURN count(n) AS n")).toBe(0);
    expect(await count("MATCH (r:Release {release: '2.0'}) RETURN count(r) AS n")).toBe(0);
    expect(await count("MATCH (n:Current) WHERE n.release <> '1.5' RETURN count(n) AS n")).toBe(0);
    expect(await count('MATCH (n:Current) RETURN count(n) AS n')).toBe(
      await count("MATCH (n:AttackObject {release: '1.5'}) RETURN count(n) AS n"),
    );
    expect(await fetchDataVersion(db.executor)).not.toBe(version);
  });

  it('keeps what another domain of the release shares, without the removed domain', async () => {
    const ics = await count(
      "MATCH (n:AttackObject {release: '1.0'}) WHERE 'ics-attack' IN n.domains RETURN count(n) AS n",
    );
    const { code, stderr } = await importCli(['--remove', 'enterprise-attack@1.0']);
    expect(code, stderr).toBe(0);
    // Fixture Panda (G0001) is in both fixtures: it stays, for ICS only.
    const rows = await read("MATCH (g:Group {attackId: 'G0001', release: '1.0'}) RETURN g.domains AS d");
    expect(rows).toEqual([{ d: ['ics-attack'] }]);
    expect(await count("MATCH (n:AttackObject {release: '1.0'}) RETURN count(n) AS n")).toBe(ics);
    expect(
      await count(
        "MATCH (a {release: '1.0'})-[r]->() WHERE 'enterprise-attack' IN r.domains RETURN count(r) AS n",
      ),
    ).toBe(0);
    const held = await read('MATCH (r:Release) RETURN r.domain + "@" + r.release AS r ORDER BY r');
    expect(held.map((r) => r.r)).toEqual(['enterprise-attack@1.5', 'ics-attack@1.0']);
  });
});
