/**
 * The cost estimate and the list bounds against the schema alone: no database, no request. What a
 * refused query costs in Neo4j reads is in test/server/cost.test.ts.
 */
import {
  type FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  getOperationAST,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  parse,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../src/plugins/use-cost-limit.ts';
import { schema } from '../../src/schema/index.ts';
import { LIST_BOUNDS, listBoundOf } from '../../src/schema/list-bounds.ts';

describe('every list field has a declared bound', () => {
  it('walks the schema: each field returning a list of objects is in LIST_BOUNDS or is a connection page', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
      const fields = type.getFields();
      for (const field of Object.values(fields)) {
        if (!isListType(getNullableType(field.type)) || !isCompositeType(getNamedType(field.type))) continue;
        if (listBoundOf(type.name, field.name, 'pageInfo' in fields) === undefined)
          missing.push(`${type.name}.${field.name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('names only fields that exist (a renamed field leaves no stale bound behind)', () => {
    const stale = Object.keys(LIST_BOUNDS).filter((key) => {
      const [typeName = '', fieldName = ''] = key.split('.');
      if (typeName === '*') {
        return !Object.values(schema.getTypeMap()).some(
          (t) => (isObjectType(t) || isInterfaceType(t)) && fieldName in t.getFields(),
        );
      }
      const type = schema.getType(typeName);
      return !(type && (isObjectType(type) || isInterfaceType(type)) && fieldName in type.getFields());
    });
    expect(stale).toEqual([]);
  });
});

describe('bounds that follow arguments', () => {
  const costOf = (query: string) => {
    const document = parse(query);
    const operation = getOperationAST(document);
    const root = schema.getQueryType();
    if (!operation || !root) throw new Error('no query');
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of document.definitions)
      if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    return estimateCost(schema, operation.selectionSet, root, fragments, {});
  };

  it('an ancestor `limit` bounds the list under it, but not through a fragment (costed at the maximum)', () => {
    const inline = (limit: number) =>
      costOf(`{ similarGroups(group: "G0007", limit: ${limit}) { similar { group { name } } } }`);
    expect(inline(5)).toBeLessThan(inline(500));
    const spread = costOf(
      '{ similarGroups(group: "G0007", limit: 5) { ...S } } fragment S on Similarity { similar { group { name } } }',
    );
    expect(spread).toBe(inline(1000));
  });

  it('a plain list counts each of its items: coverage gaps ranked by two groups cost less than by all', () => {
    const gaps = (groups: string) =>
      costOf(`{ coverageGaps(detected: ["T1003"]${groups}) { tactics { uncovered { groups { name } } } } }`);
    expect(gaps(', groups: ["G0007", "G0016"]')).toBeLessThan(gaps(''));
    // 16 tactics x 400 techniques x 400 groups, each an object (the old estimate said 4).
    expect(gaps('')).toBeGreaterThan(16 * 400 * 400);
  });
});
