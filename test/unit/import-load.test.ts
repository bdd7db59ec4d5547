/**
 * What the load sends, without a database: few large statements, rows cut to what each statement
 * reads, and the graph's rows read back through zod.
 */
import { describe, expect, it } from 'vitest';
import { planLoad } from '../../import/diff.ts';
import { existingNode, existingRel, parseRows, READ_NODES, READ_RELS } from '../../import/existing.ts';
import { loadPhases } from '../../import/load.ts';
import { NODE_LABELS } from '../../src/model.ts';
import { bundlePath } from '../helpers/paths.ts';
import { stageBundle } from '../helpers/stages.ts';

describe('the load statements of a first enterprise import', () => {
  const { rows } = stageBundle(bundlePath('enterprise-attack-18.1'));
  // Element ids as the load has them once the nodes are written: one per node.
  const ids = new Map(rows.nodes.map((n, i) => [n.stixId, `4:db:${i}`]));
  const phases = loadPhases(planLoad(rows, [], []), rows.domain, '18.1', false, { nodes: [], ids });
  const statements = phases.flatMap((p) => p.statements);
  const rowsOf = (name: string) =>
    statements
      .filter((s) => s.query.name === name)
      .flatMap((s) => s.params.rows as Record<string, unknown>[]);

  it('writes every label in one statement, and every relationship type in statements of 10 000 rows', () => {
    const names = statements.map((s) => s.query.name);
    // Before: a statement per label and per relationship type, 25 of them, each planned on its own.
    expect(names.filter((n) => n === 'import.createNodes')).toHaveLength(1);
    expect(names.filter((n) => n === 'import.createRelsById')).toHaveLength(
      Math.ceil(rows.rels.length / 10_000),
    );
    expect(statements).toHaveLength(1 + Math.ceil(rows.rels.length / 10_000));
  });

  it('sends every row once, with its labels or type from the model and every property', () => {
    const nodes = rowsOf('import.createNodes');
    expect(nodes).toHaveLength(rows.nodes.length);
    expect(Object.keys(nodes[0] ?? {}).sort()).toEqual(['labels', 'props']);
    const first = rows.nodes[0];
    const sent = nodes.find((n) => (n.props as { stixId: string }).stixId === first?.stixId);
    expect(sent).toEqual({
      labels: ['AttackObject', ...NODE_LABELS[first?.type ?? 'attack-pattern']],
      props: {
        ...first?.props,
        release: '18.1',
        hash: first?.hash,
        domains: [rows.domain],
        // Its one version is its own content: not stored (kept, import/versions.ts).
        versions: null,
        ordinal: expect.any(Number),
      },
    });
    // Each node's place in the release's stable order, numbered from 0 (import/ordinals.ts).
    const ordinals = nodes.map((n) => (n.props as { ordinal: number }).ordinal).sort((a, b) => a - b);
    expect(ordinals).toEqual([...ordinals.keys()]);
    const rels = rowsOf('import.createRelsById');
    expect(rels).toHaveLength(rows.rels.length);
    expect(Object.keys(rels[0] ?? {}).sort()).toEqual(['from', 'props', 'to', 'type']);
    // Their ends by the element ids of the nodes written before them.
    const rel = rows.rels[0];
    expect(rels.find((r) => (r.props as { key: string }).key === rel?.key)).toMatchObject({
      from: ids.get(rel?.from ?? ''),
      to: ids.get(rel?.to ?? ''),
    });
    expect(new Set(rels.map((r) => r.type))).toEqual(new Set(rows.rels.map((r) => r.type)));
    for (const r of rels)
      expect(Object.keys(r.props as object)).toEqual(expect.arrayContaining(['hash', 'domains', 'versions']));
    for (const s of statements) expect(s.query.cypher).toMatch(/\$rows|\$ids/);
  });

  it('labels new nodes :Current only when their release is to be the newest', () => {
    const current = loadPhases(planLoad(rows, [], []), rows.domain, '18.1', true, { nodes: [], ids }).flatMap(
      (p) => p.statements,
    );
    const labels = (list: typeof statements) =>
      list
        .filter((s) => s.query.name === 'import.createNodes')
        .flatMap((s) => (s.params.rows as { labels: string[] }[]).map((r) => r.labels));
    expect(labels(current).every((l) => l.includes('Current'))).toBe(true);
    expect(labels(statements).some((l) => l.includes('Current'))).toBe(false);
  });

  it('writes into the one release snapshot it is given, and matches nodes only there', () => {
    // Without the release, a MATCH on stixId would reach the same object in every other release.
    for (const s of statements) {
      if (s.query.name === 'import.createNodes') {
        for (const r of s.params.rows as { props: { release: string } }[])
          expect(r.props.release).toBe('18.1');
        continue;
      }
      if (s.query.name === 'import.createRelsById') {
        // Its ends are the snapshot's nodes, by the element ids the load read or wrote in it.
        const known = new Set(ids.values());
        for (const r of s.params.rows as { from: string; to: string }[])
          expect(known.has(r.from) && known.has(r.to)).toBe(true);
        continue;
      }
      expect(s.params.release, s.query.name).toBe('18.1');
      expect(s.query.cypher, s.query.name).toMatch(/release: \$release/);
    }
  });
});

describe("the importer's reads of the graph", () => {
  const node = {
    stixId: 'attack-pattern--0a3ead4e-6d47-4ccb-854c-a6a4f9d96b22',
    hash: 'h',
    domains: ['enterprise-attack'],
    modified: '2025-04-15T19:58:01.000Z',
    attackId: 'T1001',
    name: 'Data Obfuscation',
    stixType: 'attack-pattern',
    version: '1.1',
    revoked: false,
    deprecated: false,
    versions: [],
  };

  it('parses rows as Neo4j returns them, reading absent flags and hashes as false and empty', () => {
    const [parsed] = parseRows(
      existingNode,
      [{ ...node, revoked: null, hash: null, attackId: null }],
      READ_NODES,
    );
    expect(parsed).toMatchObject({ revoked: false, hash: '', attackId: null, version: '1.1' });
  });

  it('parses a node the importer did not write, which has little more than a STIX id', () => {
    const foreign = { stixId: 'x-foreign--1', name: 'not ours', domains: [], versions: [] };
    const [parsed] = parseRows(existingNode, [foreign], READ_NODES);
    expect(parsed).toMatchObject({ stixId: 'x-foreign--1', modified: null, stixType: '', domains: [] });
  });

  it('refuses a row the graph should not hold, naming the query and the field', () => {
    expect(() => parseRows(existingNode, [node, { ...node, stixId: 42 }], READ_NODES)).toThrow(
      /^import\.readNodes: unexpected graph data at 1\.stixId: /,
    );
    expect(() => parseRows(existingRel, [{ key: 'k', type: 'USES' }], READ_RELS)).toThrow(
      /^import\.readRels: /,
    );
  });
});
