/** What a statement is sent: only the parameters its Cypher names (no database). */
import { describe, expect, it } from 'vitest';
import { addNestedParams, nestedItems, nodesOnly, RELATED } from '../../src/data/related.ts';
import { CORE } from '../../src/data/rows.ts';
import { USAGE } from '../../src/data/usage.ts';
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

  it('sends a nested level only the options its Cypher reads, as one map under its prefix', () => {
    const level = { of: RELATED['technique.tactics'], reads: READS, options: OPTIONS };
    const params = addNestedParams({}, level, 'l0');
    // The level's body, as a lookup nests it, reads no `via` or `rollUp` and is not sent them.
    expect(params).toEqual({
      l0: { domain: null, includeRevoked: false, includeDeprecated: false, offset: 0, limit: 5 },
    });
    const query = { name: 't', cypher: nestedItems(level, 'l0') };
    expect(query.cypher).toContain('$l0.includeRevoked');
    expect(statementOf(query, { ...params, other: 1 }).params).toEqual(params);
    // A technique's groups read the usage paths asked for.
    const usage = {
      of: USAGE.techniqueGroups,
      reads: READS,
      options: { ...OPTIONS, via: ['DIRECT'] as const },
    };
    expect(addNestedParams({}, usage, 'l1').l1).toMatchObject({ via: ['DIRECT'], limit: 5 });
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
