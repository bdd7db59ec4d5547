import {
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  GraphQLError,
  type GraphQLSchema,
  getNamedType,
  getOperationAST,
  isCompositeType,
  Kind,
  type SelectionSetNode,
  typeFromAST,
  valueFromAST,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { PAGE_SIZE } from '../schema/builder.ts';

/**
 * The most objects an operation could return, GitHub-style: every object-typed field counts once
 * per possible occurrence, and a paginated field multiplies what it holds by its page size
 * (`first` or `last`, literal or variable; the default page size when both are absent).
 * Fragments are costed once each, so fragment bombs cost no time to estimate.
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
      const field = 'getFields' in parent ? parent.getFields()[selection.name.value] : undefined;
      if (!field) continue;
      const type = getNamedType(field.type);
      if (!isCompositeType(type)) continue;
      let pageSize = 1;
      const paginated = field.args.some((a) => a.name === 'first' || a.name === 'last');
      if (paginated) {
        pageSize = PAGE_SIZE.defaultSize;
        for (const arg of selection.arguments ?? []) {
          if (arg.name.value !== 'first' && arg.name.value !== 'last') continue;
          const argType = field.args.find((a) => a.name === arg.name.value)?.type;
          const value = argType ? valueFromAST(arg.value, argType, variables) : undefined;
          if (typeof value === 'number' && Number.isFinite(value)) pageSize = Math.max(0, value);
        }
      }
      // The list object itself once, and what it holds once per item of the page.
      total += 1 + pageSize * estimateCost(schema, selection.selectionSet, type, fragments, variables, memo);
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
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      const cost = estimateCost(args.schema, operation.selectionSet, root, fragments, variables);
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
