/**
 * What a selection reads, from the schema and a parsed operation alone: the same fields reach the
 * same projection however they are spelled (fragments, inline fragments), and skipped fields cost nothing.
 */
import {
  type FragmentDefinitionNode,
  type GraphQLResolveInfo,
  getOperationAST,
  Kind,
  type OperationDefinitionNode,
  parse,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.ts';
import { nodeProjection } from '../../src/schema/selection.ts';

/** The resolve info graphql-js would hand `Query.campaign` for this operation (what the walk reads of it). */
function campaignInfo(source: string, variableValues: Record<string, unknown> = {}): GraphQLResolveInfo {
  const document = parse(source);
  const operation = getOperationAST(document) as OperationDefinitionNode;
  const field = operation.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
  const campaign = schema.getQueryType()?.getFields().campaign;
  if (!field || field.kind !== Kind.FIELD || !campaign) throw new Error('no campaign field');
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  return {
    fieldName: 'campaign',
    fieldNodes: [field],
    returnType: campaign.type,
    parentType: schema.getQueryType(),
    schema,
    fragments,
    operation,
    variableValues,
  } as unknown as GraphQLResolveInfo;
}
const reads = (source: string, variables?: Record<string, unknown>) =>
  nodeProjection(campaignInfo(source, variables));

describe('nodeProjection', () => {
  const both = reads('{ campaign(attackId: "C0001") { name description } }');

  it('reads more for more fields', () => {
    expect(reads('{ campaign(attackId: "C0001") { name } }')).not.toEqual(both);
  });

  it('reads the same through a named or an inline fragment', () => {
    expect(
      reads('{ campaign(attackId: "C0001") { name ...D } } fragment D on Campaign { description }'),
    ).toEqual(both);
    expect(reads('{ campaign(attackId: "C0001") { ... on Campaign { name description } } }')).toEqual(both);
  });

  it('reads nothing for a field @skip or @include leaves out', () => {
    const name = reads('{ campaign(attackId: "C0001") { name } }');
    expect(reads('{ campaign(attackId: "C0001") { name description @skip(if: true) } }')).toEqual(name);
    expect(
      reads('query($d: Boolean!) { campaign(attackId: "C0001") { name description @include(if: $d) } }', {
        d: false,
      }),
    ).toEqual(name);
    expect(
      reads('query($d: Boolean!) { campaign(attackId: "C0001") { name description @include(if: $d) } }', {
        d: true,
      }),
    ).toEqual(both);
  });
});
