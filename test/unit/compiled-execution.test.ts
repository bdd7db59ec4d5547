import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { compilable } from '../../src/plugins/use-compiled-execution.ts';

/** `n` aliased copies of a selection of `fields` leaf fields. */
const aliases = (n: number, fields: number) =>
  Array.from(
    { length: n },
    (_, i) => `a${i}: group { ${Array.from({ length: fields }, (_, j) => `f${j}`).join(' ')} }`,
  ).join(' ');

describe('which documents are compiled', () => {
  it('counts every field, a fragment wherever it is spread', () => {
    // 10 x (1 + 9) = 100 fields.
    expect(compilable(parse(`{ ${aliases(10, 9)} }`), 100)).toBe(true);
    expect(compilable(parse(`{ ${aliases(10, 9)} x }`), 100)).toBe(false);
    // The fragment's 50 fields count three times: 3 x (1 + 50) = 153.
    const spread = `{ a: group { ...F } b: group { ...F } c: group { ...F } } fragment F on Group { ${Array.from({ length: 50 }, (_, j) => `f${j}`).join(' ')} }`;
    expect(compilable(parse(spread), 153)).toBe(true);
    expect(compilable(parse(spread), 152)).toBe(false);
  });

  it('never compiles a document whose fragments spread each other, or an unknown one', () => {
    expect(
      compilable(parse('{ group { ...A } } fragment A on Group { ...B } fragment B on Group { ...A }')),
    ).toBe(false);
    expect(compilable(parse('{ group { ...Missing } }'))).toBe(false);
  });

  it('compiles the queries of an app', () => {
    const page = `query ($id: String!) { technique(attackId: $id) { attackId name
      tactics { nodes { attackId } } groups(first: 1000) { totalCount nodes { attackId } } } }`;
    expect(compilable(parse(page))).toBe(true);
  });
});
