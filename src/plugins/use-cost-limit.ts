import {
  type DocumentNode,
  type ExecutionArgs,
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
  visit,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { keptIn } from '../data/rows.ts';
import { PAGE_SIZE } from '../schema/builder.ts';
import { type ArgsChain, COST_ARGUMENTS, listBoundOf, UNKNOWN_LIST_BOUND } from '../schema/list-bounds.ts';
import { addVariables } from '../schema/selection.ts';

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

/**
 * What one occurrence of a composite field costs, given what one of its items' selection costs:
 * a connection (`first`/`last`) holds a page of what it selects (its `edges`/`nodes` count each
 * item); a plain list is itself one object plus, per item of its bound, the item and its selection;
 * a single object is itself plus its selection.
 */
function fieldCost(
  parent: GraphQLCompositeType,
  field: GraphQLField<unknown, unknown>,
  chain: ArgsChain,
  inner: number,
): number {
  const args = chain[0] ?? {};
  if (field.args.some((a) => a.name === 'first' || a.name === 'last')) {
    const sizes = [args.first, args.last].filter((v): v is number => typeof v === 'number');
    return 1 + (sizes.length > 0 ? Math.max(0, ...sizes) : PAGE_SIZE.defaultSize) * inner;
  }
  if (!isListType(getNullableType(field.type))) return 1 + inner;
  const isConnection = 'getFields' in parent && 'pageInfo' in parent.getFields();
  const bound = listBoundOf(parent.name, field.name, isConnection) ?? UNKNOWN_LIST_BOUND;
  // A page's items are multiplied by the connection field above: `nodes` is one object per item.
  if (bound === 'page') return 1 + inner;
  return 1 + (typeof bound === 'number' ? bound : bound(chain)) * (1 + inner);
}

/**
 * The most objects an operation could return, GitHub-style: every object-typed field counts once
 * per possible occurrence, and a list multiplies what it holds by how many items it can have: a
 * connection by its page size (`first` or `last`, from literals, variables or variable defaults;
 * the default page size when both are absent), a plain list by its bound (see list-bounds.ts).
 * Fragments are costed once each, so fragment bombs cost no time to estimate.
 * `above`: the arguments of the fields this selection set is nested in, nearest first.
 * `variables` must be coerced already (defaults applied), as `getVariableValues` does below.
 */
export function estimateCost(
  schema: GraphQLSchema,
  selectionSet: SelectionSetNode,
  parent: GraphQLCompositeType,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  memo = new Map<string, number>(),
  above: ArgsChain = [],
): number {
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (!selection.selectionSet || !('getFields' in parent)) continue;
      const field = parent.getFields()[selection.name.value];
      if (!field) continue;
      const type = getNamedType(field.type);
      if (!isCompositeType(type)) continue;
      const chain = [argumentsOf(field, selection, variables), ...above];
      const inner = estimateCost(schema, selection.selectionSet, type, fragments, variables, memo, chain);
      total += fieldCost(parent, field, chain, inner);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition ? typeFromAST(schema, selection.typeCondition) : parent;
      if (on && isCompositeType(on)) {
        total += estimateCost(schema, selection.selectionSet, on, fragments, variables, memo, above);
      }
    } else {
      const name = selection.name.value;
      let cost = memo.get(name);
      if (cost === undefined) {
        memo.set(name, 0); // a cycle (refused by validation anyway) costs nothing more
        // Costed without the arguments above it (bounds then take their maximum), so that the one
        // cost kept for the fragment holds wherever it is spread.
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

/** Costs kept per document (Yoga hands every request with the same text the same one). */
const COSTS_PER_DOCUMENT = 64;

/** The variables given (anywhere in their value) to an argument a cost reads (COST_ARGUMENTS). */
function costVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(node) {
      if ((COST_ARGUMENTS as readonly string[]).includes(node.name.value)) addVariables(node.value, names);
    },
  });
  return [...names];
}

/** Refuses, before it runs, an operation that could return more than `maxCost` objects. */
export function useCostLimit(maxCost: number): Plugin {
  /**
   * Each document's cost, by the values of the variables it depends on: a lookup's `$id` does not
   * split it, a page size does. Only costs of variables that coerce are kept.
   */
  const kept = new WeakMap<DocumentNode, { variables: string[]; costs: Map<string, number> }>();
  /** The operation's cost with these variables; undefined when they do not coerce. */
  const costOf = (args: ExecutionArgs): number | undefined => {
    const operation = getOperationAST(args.document, args.operationName);
    const root = operation && args.schema.getRootType(operation.operation);
    if (!operation || !root) return undefined;
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
    if (!coerced.coerced) return undefined;
    return estimateCost(args.schema, operation.selectionSet, root, fragments, coerced.coerced);
  };
  const keptCostOf = (args: ExecutionArgs): number | undefined => {
    let document = kept.get(args.document);
    if (!document) {
      document = { variables: costVariables(args.document), costs: new Map() };
      kept.set(args.document, document);
    }
    const values = (args.variableValues ?? {}) as Record<string, unknown>;
    const key = `${args.operationName ?? ''}\0${JSON.stringify(document.variables.map((v) => values[v]))}`;
    return keptIn(document.costs, key, COSTS_PER_DOCUMENT, () => costOf(args));
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const cost = keptCostOf(args);
      if (cost === undefined || cost <= maxCost) return;
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
