/**
 * What the load sends, without a database: few large statements, rows cut to what each statement
 * reads, and the graph's rows read back through zod.
 */
import { describe, expect, it } from 'vitest';
import { planLoad } from '../../import/diff.ts';
import { existingNode, existingRel, parseRows, READ_NODES, READ_RELS } from '../../import/existing.ts';
import { loadPhases } from '../../import/load.ts';
import { bundlePath } from '../helpers/paths.ts';
import { stageBundle } from '../helpers/stages.ts';

describe('the load statements of a first enterprise import', () => {
  const { rows } = stageBundle(bundlePath('enterprise-attack-18.1'));
  const phases = loadPhases(planLoad(rows, [], []), rows.domain, '18.1');
  const statements = phases.flatMap((p) => p.statements);
  const rowsOf = (name: string) =>
    statements
      .filter((s) => s.query.name === name)
      .flatMap((s) => s.params.rows as Record<string, unknown>[]);

  it('writes each label and relationship type in one statement, two for the 17 270 uses', () => {
    const names = statements.map((s) => s.query.name);
    const nodeTypes = new Set(rows.nodes.map((n) => n.type)).size;
    const relTypes = new Set(rows.rels.map((r) => r.type)).size;
    // Before: 2000 rows a statement, nine for USES alone.
    expect(names.filter((n) => n === 'import.createRels.USES')).toHaveLength(2);
    expect(statements).toHaveLength(nodeTypes + relTypes + 1);
  });

  it('sends every row once, with only the fields its statement reads', () => {
    const nodes = statements.filter((s) => s.query.name.startsWith('import.createNodes.'));
    const sent = nodes.flatMap((s) => s.params.rows as Record<string, unknown>[]);
    expect(sent).toHaveLength(rows.nodes.length);
    expect(Object.keys(sent[0] ?? {}).sort()).toEqual(['hash', 'props', 'versions']);
    const uses = rowsOf('import.createRels.USES');
    expect(uses).toHaveLength(rows.rels.filter((r) => r.type === 'USES').length);
    expect(Object.keys(uses[0] ?? {}).sort()).toEqual(['domains', 'from', 'hash', 'props', 'to', 'versions']);
    for (const s of statements) expect(s.query.cypher).toMatch(/\$rows|\$ids/);
  });

  it('writes into the one release snapshot it is given, and matches nodes only there', () => {
    // Without the release, a MATCH on stixId would reach the same object in every other release.
    for (const s of statements) {
      expect(s.params.release, s.query.name).toBe('18.1');
      expect(s.query.cypher, s.query.name).toMatch(/release: \$release|n\.release = \$release/);
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
