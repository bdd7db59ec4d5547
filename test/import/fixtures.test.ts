import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSource } from '../../import/index.ts';
import { connectTestDb, type TestDb } from '../helpers/db.ts';
import { graphDigest } from '../helpers/graph.ts';
import { fixturePath, MINI_ENTERPRISE, MINI_ICS } from '../helpers/paths.ts';

let db: TestDb;
const one = async (cypher: string, params = {}) =>
  (await db.executor.read({ name: 'test', cypher }, params))[0];
const all = (cypher: string, params = {}) => db.executor.read({ name: 'test', cypher }, params);

beforeAll(async () => {
  db = await connectTestDb();
  await db.reset();
  await importSource(db.executor, MINI_ENTERPRISE);
  await importSource(db.executor, MINI_ICS);
});
afterAll(() => db.close());

describe('graph shape from hand-written fixtures', () => {
  // Releases: every node of the newest release (here the only one) is also :Current.
  it('gives every node :AttackObject, its type labels, and :Current in the newest release', async () => {
    const rows = await all('MATCH (n:AttackObject) RETURN n.attackId AS id, labels(n) AS labels');
    const labels = Object.fromEntries(rows.map((r) => [r.id, [...(r.labels as string[])].sort()]));
    expect(labels.S0001).toEqual(['AttackObject', 'Current', 'Malware', 'Software']);
    expect(labels.S0003).toEqual(['AttackObject', 'Current', 'Software', 'Tool']);
    expect(labels.TA0006).toEqual(['AttackObject', 'Current', 'Tactic']);
    expect(labels.A0001).toEqual(['Asset', 'AttackObject', 'Current']);
    expect(rows.filter((r) => r.id === 'T1003')).toHaveLength(2); // technique and deprecated mitigation
  });

  it('derives a missing subtechnique-of from the ATT&CK ID, and keeps the explicit one', async () => {
    const rows = await all(
      `MATCH (s:Technique)-[r:SUBTECHNIQUE_OF]->(p:Technique)
       RETURN s.attackId AS sub, p.attackId AS parent, coalesce(r.derived, false) AS derived ORDER BY sub`,
    );
    expect(rows).toEqual([
      { sub: 'T1003.001', parent: 'T1003', derived: false },
      { sub: 'T1003.002', parent: 'T1003', derived: true },
    ]);
    expect((await one("MATCH (t:Technique {attackId: 'T1003.002'}) RETURN t.isSubtechnique AS s"))?.s).toBe(
      true,
    );
  });

  it('links techniques to the tactics of their own domain', async () => {
    const rows = await all(
      'MATCH (t:Technique)-[:IN_TACTIC]->(x:Tactic) RETURN t.attackId AS t, x.shortname AS x, x.domains AS d ORDER BY t, x',
    );
    expect(rows).toContainEqual({ t: 'T0803', x: 'inhibit-response-function', d: ['ics-attack'] });
    expect(rows).toContainEqual({ t: 'T1087', x: 'discovery', d: ['enterprise-attack'] });
    expect(rows.filter((r) => r.t === 'T1003.001')).toEqual([
      { t: 'T1003.001', x: 'credential-access', d: ['enterprise-attack'] },
    ]);
  });

  it('keeps one node for an object in two domains, listing both', async () => {
    const rows = await all("MATCH (g:Group {attackId: 'G0001'}) RETURN g.domains AS d, g.aliases AS aliases");
    expect(rows).toEqual([
      { d: ['enterprise-attack', 'ics-attack'], aliases: ['Fixture Panda', 'Dragon Test'] },
    ]);
    const uses = await all(
      "MATCH (:Group {attackId: 'G0001'})-[u:USES]->(t) RETURN t.attackId AS t, u.domains AS d ORDER BY t",
    );
    expect(uses).toEqual([
      { t: 'S0001', d: ['enterprise-attack'] },
      { t: 'T0803', d: ['ics-attack'] },
      { t: 'T1003.001', d: ['enterprise-attack'] },
    ]);
  });

  it('stores revoked and deprecated objects, flagged, with revoked-by chains', async () => {
    const chain = await all(
      `MATCH p = (:Technique {attackId: 'T1901'})-[:REVOKED_BY*]->(last) WHERE NOT (last)-[:REVOKED_BY]->()
       RETURN [n IN nodes(p) | n.attackId] AS ids`,
    );
    expect(chain).toEqual([{ ids: ['T1901', 'T1900', 'T1003'] }]);
    const malware = await one(
      "MATCH (m:Malware {attackId: 'S0002'})-[:REVOKED_BY]->(t:Tool) RETURN m.revoked AS revoked, t.name AS tool",
    );
    expect(malware).toEqual({ revoked: true, tool: 'Mimikatz' });
    const deprecated = await one(
      "MATCH (m:Mitigation {attackId: 'T1003'})-[:MITIGATES]->(t:Technique) RETURN m.deprecated AS d, t.name AS t",
    );
    expect(deprecated).toEqual({ d: true, t: 'OS Credential Dumping' });
  });

  it('keeps procedure text and citations on uses', async () => {
    const use = await one(
      "MATCH (:Group {attackId: 'G0001'})-[u:USES]->(:Technique {attackId: 'T1003.001'}) RETURN u.description AS d, u.referencesJson AS refs",
    );
    expect(use?.d).toContain('read LSASS memory');
    expect(JSON.parse(String(use?.refs))).toEqual([
      {
        source_name: 'Fixture Report 2024',
        description: 'Doe, J. (2024). Fixture Report.',
        url: 'https://example.com/fixture-report',
      },
    ]);
  });

  it('links detection strategies, analytics, log sources, data components, data sources and matrices', async () => {
    const chain = await one(
      `MATCH (d:DetectionStrategy)-[:DETECTS]->(t:Technique), (d)-[:HAS_ANALYTIC]->(a:Analytic)-[l:LOGS_FROM]->(c:DataComponent)-[:PART_OF]->(s:DataSource)
       RETURN t.attackId AS t, a.attackId AS a, l.name AS name, l.channel AS channel, c.attackId AS c, s.attackId AS s`,
    );
    expect(chain).toEqual({
      t: 'T1003.001',
      a: 'AN0001',
      name: 'WinEventLog:Sysmon',
      channel: 'EventCode=10',
      c: 'DC0035',
      s: 'DS0009',
    });
    const order = await all(
      "MATCH (:Matrix {attackId: 'enterprise-attack'})-[h:HAS_TACTIC]->(t:Tactic) RETURN t.shortname AS t, h.order AS o ORDER BY o",
    );
    expect(order).toEqual([
      { t: 'discovery', o: 0 },
      { t: 'credential-access', o: 1 },
    ]);
    expect(
      await one("MATCH (:Technique {attackId: 'T0803'})-[:TARGETS]->(a:Asset) RETURN a.name AS a"),
    ).toEqual({ a: 'Control Server' });
  });
});

describe('re-importing and removing domains', () => {
  it('writes nothing when the same bundle comes again', async () => {
    const before = await graphDigest(db.executor);
    const report = await importSource(db.executor, MINI_ENTERPRISE);
    expect(report.changed).toBe(false);
    expect(report.runId).toBeNull();
    expect(await graphDigest(db.executor)).toEqual(before);
  });

  it('leaves alone, and is not tripped by, nodes it did not write', async () => {
    await db.driver.executeQuery("CREATE (:AttackObject {stixId: 'x-foreign--1', name: 'not ours'})");
    const report = await importSource(db.executor, MINI_ENTERPRISE);
    expect(report.changed).toBe(false);
    expect(await one("MATCH (n {stixId: 'x-foreign--1'}) RETURN n.name AS name")).toEqual({
      name: 'not ours',
    });
    await db.driver.executeQuery("MATCH (n {stixId: 'x-foreign--1'}) DELETE n");
  });

  it('records an import run per change, with counts and the ATT&CK version', async () => {
    const runs = await all(
      'MATCH (r:ImportRun) RETURN r.domain AS d, r.countsJson AS c, r.sha256 AS sha ORDER BY r.startedAt',
    );
    expect(runs.map((r) => r.d)).toEqual(['enterprise-attack', 'ics-attack']);
    expect(JSON.parse(String(runs[0]?.c)).nodes['attack-pattern']).toBe(6);
    expect(runs[0]?.sha).toMatch(/^[0-9a-f]{64}$/);
  });

  it('leaves a shared object to the other domain when one domain drops it', async () => {
    const withoutGroup = fixturePath('mini-ics-without-group.json');
    const ics = JSON.parse(await (await import('node:fs/promises')).readFile(MINI_ICS, 'utf8'));
    ics.objects = ics.objects.filter(
      (o: { id: string; source_ref?: string }) =>
        !o.id.startsWith('intrusion-set') && !o.source_ref?.startsWith('intrusion-set'),
    );
    const { writeFile, rm } = await import('node:fs/promises');
    await writeFile(withoutGroup, JSON.stringify(ics));
    try {
      const report = await importSource(db.executor, withoutGroup);
      expect(report.summary).toEqual({ removed: 1 });
    } finally {
      await rm(withoutGroup);
    }
    expect(await one("MATCH (g:Group {attackId: 'G0001'}) RETURN g.domains AS d")).toEqual({
      d: ['enterprise-attack'],
    });
    expect(
      await one(
        "MATCH (:Group {attackId: 'G0001'})-[u:USES]->(:Technique {attackId: 'T0803'}) RETURN count(u) AS n",
      ),
    ).toEqual({ n: 0 });
    expect(await one("MATCH (:Group {attackId: 'G0001'})-[u:USES]->() RETURN count(u) AS n")).toEqual({
      n: 2,
    });
  });
});
