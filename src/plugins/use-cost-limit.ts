import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  GraphQLError,
  type GraphQLField,
  type GraphQLSchema,
  getArgumentValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  getVariableValues,
  isCompositeType,
  isListType,
  Kind,
  type SelectionSetNode,
  typeFromAST,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { PAGE_SIZE } from '../schema/builder.ts';
import { listBoundOf, UNKNOWN_LIST_BOUND } from '../schema/list-bounds.ts';

/** The arguments of one field occurrence, defaults applied; `{}` when they do not coerce (execution refuses them). */
function argumentsOf(
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  variables: Record<string, unknown>,
): Record<string, unknown> {
  try {
    return getArgumentValues(field, node, variables);
  } catch {
    return {};
  }
}

/** How many items this field can return: 1 for a single object, the page or the list's bound otherwise. */
function itemsOf(
  parent: GraphQLCompositeType,
  field: GraphQLField<unknown, unknown>,
  args: Record<string, unknown>,
): number {
  if (field.args.some((a) => a.name === 'first' || a.name === 'last')) {
    const sizes = [args.first, args.last].filter((v): v is number => typeof v === 'number');
    return sizes.length > 0 ? Math.max(0, ...sizes) : PAGE_SIZE.defaultSize;
  }
  if (!isListType(getNullableType(field.type))) return 1;
  const isConnection = 'getFields' in parent && 'pageInfo' in parent.getFields();
  const bound = listBoundOf(parent.name, field.name, isConnection) ?? UNKNOWN_LIST_BOUND;
  if (bound === 'page') return 1;
  if (typeof bound === 'number') return bound;
  const given = args[bound.arg];
  return Array.isArray(given) ? Math.min(new Set(given).size, bound.max) : bound.max;
}

/**
 * The most objects an operation could return, GitHub-style: every object-typed field counts once
 * per possible occurrence, and a list multiplies what it holds by how many items it can have: a
 * connection by its page size (`first` or `last`, from literals, variables or variable defaults;
 * the default page size when both are absent), a plain list by its bound (see list-bounds.ts).
 * Fragments are costed once each, so fragment bombs cost no time to estimate.
 * `variables` must be coerced already (defaults applied): see `coercedVariables`.
 */
export function estimateCost(
  schema: GraphQLSchema,
  selectionSet: SelectionSetNode,
  parent: GraphQLCompositeType,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  memo = new Map<string, number>(),
): number {
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (!selection.selectionSet || !('getFields' in parent)) continue;
      const field = parent.getFields()[selection.name.value];
      if (!field) continue;
      const type = getNamedType(field.type);
      if (!isCompositeType(type)) continue;
      const items = itemsOf(parent, field, argumentsOf(field, selection, variables));
      // The field's object (or list) itself once, and what it holds once per item.
      total += 1 + items * estimateCost(schema, selection.selectionSet, type, fragments, variables, memo);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition ? typeFromAST(schema, selection.typeCondition) : parent;
      if (on && isCompositeType(on)) {
        total += estimateCost(schema, selection.selectionSet, on, fragments, variables, memo);
      }
    } else {
      const name = selection.name.value;
      let cost = memo.get(name);
      if (cost === undefined) {
        memo.set(name, 0); // a cycle (refused by validation anyway) costs nothing more
        const fragment = fragments[name];
        const on = fragment ? typeFromAST(schema, fragment.typeCondition) : undefined;
        cost =
          fragment && on && isCompositeType(on)
            ? estimateCost(schema, fragment.selectionSet, on, fragments, variables, memo)
            : 0;
        memo.set(name, cost);
      }
      total += cost;
    }
  }
  return total;
}

/** Refuses, before it runs, an operation that could return more than `maxCost` objects. */
export function useCostLimit(maxCost: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      const root = operation && args.schema.getRootType(operation.operation);
      if (!operation || !root) return;
      const fragments: Record<string, FragmentDefinitionNode> = {};
      for (const d of args.document.definitions)
        if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
      // Coerced as execution will see them: `query($n: Int = 1000)` without `n` is costed with 1000.
      const coerced = getVariableValues(
        args.schema,
        operation.variableDefinitions ?? [],
        (args.variableValues ?? {}) as Record<string, unknown>,
      );
      // Variables that do not coerce are refused by execution itself, before any resolver runs.
      if (!coerced.coerced) return;
      const cost = estimateCost(args.schema, operation.selectionSet, root, fragments, coerced.coerced);
      if (cost <= maxCost) return;
      setResultAndStopExecution({
        errors: [
          new GraphQLError(
            `This query could return up to ${Math.round(cost)} objects; the limit is ${maxCost}. ` +
              'Ask for smaller pages (first/last) or fewer nested lists.',
            { extensions: { code: 'MAX_COST_EXCEEDED', cost: Math.round(cost), maxCost } },
          ),
        ],
      });
    },
  };
}
