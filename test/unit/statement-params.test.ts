/** What a statement is sent: only the parameters its Cypher names (no database). */
import { describe, expect, it } from 'vitest';
import { addNestedParams, nestedItems, nodesOnly, RELATED } from '../../src/data/related.ts';
import { CORE } from '../../src/data/rows.ts';
import { statementOf } from '../../src/neo4j/executor.ts';

describe('statementOf', () => {
  it('keeps the parameters the statement names, each once, and drops the rest', () => {
    const query = { name: 't', cypher: 'MATCH (n) WHERE n.a = $a AND n.ab = $ab RETURN n LIMIT $a' };
    expect(statementOf(query, { a: 1, ab: 2, abc: 3, b: null }).params).toEqual({ a: 1, ab: 2 });
  });

  it('sends the text without indentation, line by line', () => {
    const query = {
      name: 't',
      cypher: `
      MATCH (n)
        WHERE n.name = 'a  b'
      RETURN n`,
    };
    expect(statementOf(query, {}).cypher).toBe("MATCH (n)\nWHERE n.name = 'a  b'\nRETURN n");
  });

  it('keeps a named parameter whose value is null, and adds none that was not given', () => {
    const query = { name: 't', cypher: 'RETURN $x AS x, $y AS y' };
    expect(statementOf(query, { x: null }).params).toEqual({ x: null });
  });

  it('sends a nested level only the options its body reads', () => {
    const level = { of: RELATED['technique.tactics'], reads: READS, options: OPTIONS };
    const params = addNestedParams({}, level, 'l0');
    // Every option of the level is built under its prefix ...
    expect(Object.keys(params)).toEqual(expect.arrayContaining(['l0_rollUp', 'l0_via', 'l0_limit']));
    // ... but the level's body, as a lookup nests it, reads no `via` or `rollUp` and is not sent them.
    const query = { name: 't', cypher: nestedItems(level, 'l0') };
    const sent = statementOf(query, params).params;
    expect(Object.keys(sent)).not.toContain('l0_rollUp');
    expect(Object.keys(sent)).not.toContain('l0_via');
    expect(sent).toMatchObject({ l0_limit: 5, l0_offset: 0, l0_includeRevoked: false });
  });
});

const READS = nodesOnly(CORE);

const OPTIONS = {
  domain: null,
  includeRevoked: false,
  includeDeprecated: false,
  offset: 0,
  limit: 5,
  includeSubtechniques: null,
  via: null,
  rollUp: null,
};
