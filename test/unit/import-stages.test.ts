/**
 * The importer's pure stages on the real bundles, without a database: validation and transform
 * against counts computed straight from the raw JSON, and the load plan applied to an in-memory graph.
 */
import { describe, expect, it } from 'vitest';
import { planSize } from '../../import/diff.ts';
import type { GraphRows } from '../../import/transform.ts';
import { versionsHeld } from '../../import/versions.ts';
import { IGNORED_TYPES, NODE_LABELS, type NodeType } from '../../src/model.ts';
import { bundlePath } from '../helpers/paths.ts';
import { emptyGraph, importInMemory, type MemoryGraph, type Staged, stageBundle } from '../helpers/stages.ts';
import { expectedCounts } from '../helpers/stix-counts.ts';

const staged = new Map<string, Staged>();
/** Each bundle is read and staged once per file, however many tests use it. */
const stage = (name: string) => {
  const found = staged.get(name) ?? stageBundle(bundlePath(name));
  staged.set(name, found);
  return found;
};

/** What graphCounts reads from Neo4j, computed from the rows instead. */
function rowCounts(rows: GraphRows) {
  const labels: Record<string, number> = {};
  const rels: Record<string, number> = {};
  for (const n of rows.nodes) {
    if (n.props.revoked || n.props.deprecated) continue;
    for (const l of NODE_LABELS[n.type]) labels[l] = (labels[l] ?? 0) + 1;
  }
  for (const r of rows.rels) rels[r.type] = (rels[r.type] ?? 0) + 1;
  return { labels, rels };
}

/** A graph as comparable data: sorted nodes and relationships. */
const snapshot = (g: MemoryGraph) => ({
  nodes: [...g.nodes.values()].sort((a, b) => (a.stixId < b.stixId ? -1 : 1)),
  rels: [...g.rels.values()].sort((a, b) => (a.key < b.key ? -1 : 1)),
});

const importedIds = (raw: Record<string, unknown>[]) =>
  new Set(raw.filter((o) => String(o.type) in NODE_LABELS).map((o) => String(o.id)));
const minus = (a: Set<string>, b: Set<string>) => [...a].filter((x) => !b.has(x)).sort();

describe.each(['ics-attack-18.1', 'mobile-attack-17.1', 'enterprise-attack-18.1'])('%s', (name) => {
  it('validates without a problem, accounting for every object', () => {
    const { raw, validated, rows } = stage(name);
    expect(validated.problems).toEqual([]);
    expect(rows.problems).toEqual([]);
    const unknown = Object.values(validated.unknownTypes).reduce((a, b) => a + b, 0);
    expect(validated.objects.length + validated.ignored + unknown).toBe(raw.length);
    expect(validated.ignored).toBe(raw.filter((o) => IGNORED_TYPES.has(String(o.type))).length);
  });

  it('transforms into the labels and relationships the raw JSON gives', () => {
    const { raw, rows } = stage(name);
    expect(rowCounts(rows)).toEqual(expectedCounts(raw, rows.domain));
    expect(rows.nodes.map((n) => n.stixId).sort()).toEqual([...importedIds(raw)].sort());
  });
});

let both: { e: MemoryGraph; ei: MemoryGraph; shared: string[] } | undefined;
/** Enterprise 18.1 alone, then with ICS 18.1 over it, and the objects the two share. */
function enterpriseAndIcs() {
  if (both) return both;
  const enterprise = stage('enterprise-attack-18.1').rows;
  const ics = stage('ics-attack-18.1').rows;
  const ids = new Set(enterprise.nodes.map((n) => n.stixId));
  const shared = ics.nodes.filter((n) => ids.has(n.stixId)).map((n) => n.stixId);
  // Without shared objects the tests below would say nothing about versions.
  expect(shared.length).toBeGreaterThan(0);
  const e = importInMemory(emptyGraph(), enterprise).graph;
  both = { e, ei: importInMemory(e, ics).graph, shared };
  return both;
}

/** An ICS bundle that no longer carries anything: what the plan removes when ICS drops objects. */
const noIcs = (): GraphRows => ({ ...stage('ics-attack-18.1').rows, nodes: [], rels: [] });

describe('the load plan', () => {
  it('creates every row of a first import, each object reported as added', () => {
    const { rows } = stage('ics-attack-18.1');
    const { plan, graph } = importInMemory(emptyGraph(), rows);
    expect(plan.createNodes).toHaveLength(rows.nodes.length);
    expect(plan.createRels).toHaveLength(rows.rels.length);
    expect(plan.changes.map((c) => c.change)).toEqual(rows.nodes.map(() => 'added'));
    expect(plan.deleteNodes.length + plan.deleteRels.length).toBe(0);
    expect([graph.nodes.size, graph.rels.size]).toEqual([rows.nodes.length, rows.rels.length]);
  });

  it('plans nothing when the same bundle comes again', () => {
    const { rows } = stage('ics-attack-18.1');
    const { graph } = importInMemory(emptyGraph(), rows);
    const again = importInMemory(graph, rows).plan;
    expect(planSize(again)).toBe(0);
    expect(again.changes).toEqual([]);
    expect(again.relationshipChanges).toEqual([]);
  });

  it('turns 17.1 into exactly the graph 18.1 builds, reporting the objects added and removed', () => {
    const old = stage('ics-attack-17.1');
    const next = stage('ics-attack-18.1');
    const first = importInMemory(emptyGraph(), old.rows).graph;
    const { plan, graph } = importInMemory(first, next.rows);
    expect(snapshot(graph)).toEqual(snapshot(importInMemory(emptyGraph(), next.rows).graph));
    const of = (kind: string) =>
      plan.changes
        .filter((c) => c.change === kind)
        .map((c) => c.stixId)
        .sort();
    const [before, after] = [importedIds(old.raw), importedIds(next.raw)];
    expect(of('added')).toEqual(minus(after, before));
    expect(of('removed')).toEqual(minus(before, after));
    for (const kind of ['modified', 'revoked', 'deprecated'])
      for (const id of of(kind)) expect(before.has(id) && after.has(id)).toBe(true);
  });

  it('builds one graph from enterprise and ICS in either order', () => {
    const { e, ei, shared } = enterpriseAndIcs();
    const ics = stage('ics-attack-18.1').rows;
    const ie = importInMemory(
      importInMemory(emptyGraph(), ics).graph,
      stage('enterprise-attack-18.1').rows,
    ).graph;
    expect(snapshot(ei)).toEqual(snapshot(ie));
    for (const id of shared) expect(ei.nodes.get(id)?.domains).toEqual(['enterprise-attack', 'ics-attack']);
    expect(e.nodes.size).toBeLessThan(ei.nodes.size);
  });

  it('drops a domain from shared objects and removes what only it had', () => {
    const { e, ei, shared } = enterpriseAndIcs();
    const dropped = importInMemory(ei, noIcs()).graph;
    // Versions as read (versionsHeld): what a node stores of them depends on the content it holds.
    const members = (g: MemoryGraph) => ({
      nodes: snapshot(g).nodes.map((n) => [n.stixId, n.domains, versionsHeld(n)]),
      rels: snapshot(g).rels.map((r) => ({ ...r, versions: versionsHeld(r) })),
    });
    expect(members(dropped)).toEqual(members(e));
    for (const id of shared) expect(dropped.nodes.get(id)?.domains).toEqual(['enterprise-attack']);
  });

  it('stores only the versions its content does not give, and reads one per domain', () => {
    const { e, ei, shared } = enterpriseAndIcs();
    const all = [...ei.nodes.values(), ...ei.rels.values()];
    for (const x of [...e.nodes.values(), ...e.rels.values()]) expect(x.versions).toEqual([]);
    for (const x of all) expect(versionsHeld(x).map((v) => v.split(' ')[0])).toEqual(x.domains);
    // A shared object stores the versions of the domains whose content it does not hold, and only those.
    const differing = shared
      .map((id) => ei.nodes.get(id))
      .filter((n) => n && new Set(versionsHeld(n).map((v) => v.split(' ').slice(1).join(' '))).size > 1);
    expect(differing.length).toBeGreaterThan(0);
    for (const n of all) {
      const own = `${n.modified ?? ''} ${n.hash}`;
      expect(n.versions).toEqual(versionsHeld(n).filter((v) => !v.endsWith(` ${own}`)));
    }
  });

  it('writes nothing over a graph that stored every version, as graphs before did', () => {
    const { ei } = enterpriseAndIcs();
    const full = <T extends MemoryGraph['nodes'] | MemoryGraph['rels']>(m: T) =>
      new Map([...m].map(([k, x]) => [k, { ...x, versions: versionsHeld(x) }])) as T;
    const before = { nodes: full(ei.nodes), rels: full(ei.rels) };
    expect([...before.nodes.values()].every((n) => n.versions.length === n.domains.length)).toBe(true);
    for (const name of ['enterprise-attack-18.1', 'ics-attack-18.1'])
      expect(planSize(importInMemory(before, stage(name).rows).plan)).toBe(0);
  });

  /*
   * Known and reported: a shared object whose ICS version won keeps the ICS content (props and hash)
   * after ICS drops it, until enterprise is imported again, because the graph stores one version's
   * properties only. 10 objects of enterprise and ICS 18.1. Turn into `it` once the load fixes it.
   */
  it.fails('drops a domain leaving the content the remaining domain has', () => {
    const { e, ei } = enterpriseAndIcs();
    const dropped = importInMemory(ei, noIcs()).graph;
    const stale = [...e.nodes.values()].filter((n) => dropped.nodes.get(n.stixId)?.hash !== n.hash);
    expect(stale.map((n) => n.attackId ?? n.stixId)).toEqual([]);
  });

  it('removes nothing on an incremental pull, however little it carries', () => {
    const { rows } = stage('ics-attack-18.1');
    const { graph } = importInMemory(emptyGraph(), rows);
    const technique = rows.nodes.find((n) => (n.type as NodeType) === 'attack-pattern');
    if (!technique) throw new Error('no technique in ICS 18.1');
    const pulled: GraphRows = { ...rows, nodes: [technique], rels: [] };
    const { plan } = importInMemory(graph, pulled, { merge: true });
    expect(plan.deleteNodes).toEqual([]);
    expect(plan.changes.filter((c) => c.change === 'removed')).toEqual([]);
  });
});
