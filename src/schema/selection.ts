import {
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  GraphQLIncludeDirective,
  type GraphQLResolveInfo,
  GraphQLSkipDirective,
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { nodesOnly, type Reads, readsOf } from '../data/related.ts';
import { isNodeKey, keptIn, type NodeKey, type Projection, projection } from '../data/rows.ts';

/*
 * The selection decides what is read. Each field that shows stored data says what it reads in its
 * extensions (see `stored`, `readsKeys` and `ReadsExtensions.edge`); these walk one level of an
 * operation's selection and add up what its fields read, as @neo4j/graphql's translator turns a
 * selection set into a map projection. A field no operation selected costs nothing.
 */

/** What an edge field reads of its relationship. */
export type EdgeRead = 'text' | 'references' | 'via' | 'techniques' | 'subtechniques';

/**
 * The extensions a field declares: the stored node properties it shows (a field that declares
 * none needs the node's key: an id, a relationship), whether it also needs the key, or the edge
 * extra it shows.
 */
export interface ReadsExtensions {
  reads?: readonly NodeKey[];
  key?: boolean;
  edge?: EdgeRead;
}

/** Extensions of a field that shows the stored properties `keys`. */
export const readsKeys = (...keys: NodeKey[]) => ({ reads: keys }) satisfies ReadsExtensions;

/** Extensions of a field that reads the stored properties `keys` and follows the node's key. */
export const readsKeysAndKey = (...keys: NodeKey[]) => ({ reads: keys, key: true }) satisfies ReadsExtensions;

interface Walk {
  info: GraphQLResolveInfo;
}

function included(
  { info }: Walk,
  node: { directives?: readonly unknown[] } & Parameters<typeof getDirectiveValues>[1],
) {
  if (!node.directives?.length) return true;
  if (getDirectiveValues(GraphQLSkipDirective, node, info.variableValues)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, info.variableValues)?.if !== false;
}

/** The fields of `set` with the type each is selected on, through fragments; skipped ones left out. */
function* fieldsOf(walk: Walk, type: GraphQLCompositeType, set: SelectionSetNode | undefined) {
  const stack: Array<[GraphQLCompositeType, SelectionSetNode]> = set ? [[type, set]] : [];
  while (stack.length > 0) {
    const [on, { selections }] = stack.pop() as [GraphQLCompositeType, SelectionSetNode];
    for (const s of selections) {
      if (!included(walk, s)) continue;
      if (s.kind === Kind.FIELD) {
        yield { on, field: s };
        continue;
      }
      const fragment = s.kind === Kind.INLINE_FRAGMENT ? s : walk.info.fragments[s.name.value];
      if (!fragment) continue;
      const condition = fragment.typeCondition
        ? walk.info.schema.getType(fragment.typeCondition.name.value)
        : on;
      if (condition && isCompositeType(condition)) stack.push([condition, fragment.selectionSet]);
    }
  }
}

function definition(on: GraphQLCompositeType, field: FieldNode): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(on) || isInterfaceType(on) ? on.getFields()[field.name.value] : undefined;
}

const extensionsOf = (def: GraphQLField<unknown, unknown> | undefined) =>
  (def?.extensions ?? {}) as ReadsExtensions;

/**
 * Adds what the fields of `set` (a selection on node type `type`) read to `into`: the stored
 * properties they show, the key when one needs it, and the labels when the type is abstract.
 */
function addNodeReads(
  walk: Walk,
  type: GraphQLCompositeType,
  set: SelectionSetNode | undefined,
  into: Set<string>,
  readAhead: ReadonlySet<string> = NONE,
) {
  if (isAbstractType(type)) into.add('nodeLabels');
  for (const { on, field } of fieldsOf(walk, type, set)) {
    if (field.name.value === '__typename') continue;
    const { reads, key } = extensionsOf(definition(on, field));
    for (const k of reads ?? []) if (isNodeKey(k)) into.add(k);
    if ((!reads || key) && !readAhead.has(field.name.value)) into.add('stixId');
  }
}

const NONE: ReadonlySet<string> = new Set();

/** The selection under each of `fields` (every alias of this field), on the field's named type. */
function childOf(on: GraphQLCompositeType, field: FieldNode) {
  const def = definition(on, field);
  const type = def ? getNamedType(def.type) : undefined;
  return type && isCompositeType(type) ? { def, type, set: field.selectionSet } : undefined;
}

function nodeProjectionOf(walk: Walk, fields: readonly FieldNode[], type: GraphQLCompositeType): Projection {
  const keys = new Set<string>();
  for (const f of fields) addNodeReads(walk, type, f.selectionSet, keys);
  return projection(keys);
}

/**
 * `readAhead`: the relation fields under `nodes` that the statement reading this level also reads
 * (selected once there, see `ahead`), handing their pages over with the node rows (see
 * `primeRelated`): they need no key. The same fields under `edges { node }` still do.
 */
function connectionReadsOf(
  walk: Walk,
  fields: readonly FieldNode[],
  type: GraphQLCompositeType,
  readAhead: ReadonlySet<string> = NONE,
): Reads {
  const node = new Set<string>();
  const nested: Record<'techniques' | 'subtechniques', Set<string> | null> = {
    techniques: null,
    subtechniques: null,
  };
  const edge = new Set<EdgeRead>();
  let count = false;
  for (const top of fields) {
    for (const { on, field } of fieldsOf(walk, type, top.selectionSet)) {
      const name = field.name.value;
      if (name === 'totalCount') count = true;
      const child = childOf(on, field);
      if (!child) continue;
      if (name === 'pageInfo') {
        // Whether items follow the page needs the size of the list; the cursors do not.
        for (const p of fieldsOf(walk, child.type, child.set))
          if (p.field.name.value === 'hasNextPage') count = true;
      } else if (name === 'nodes') {
        addNodeReads(walk, child.type, child.set, node, readAhead);
      } else if (name === 'edges') {
        for (const e of fieldsOf(walk, child.type, child.set)) {
          const sub = childOf(e.on, e.field);
          if (e.field.name.value === 'node' && sub) {
            addNodeReads(walk, sub.type, sub.set, node);
            continue;
          }
          const read = extensionsOf(definition(e.on, e.field)).edge;
          if (!read) continue;
          edge.add(read);
          if ((read === 'techniques' || read === 'subtechniques') && sub) {
            nested[read] ??= new Set();
            addNodeReads(walk, sub.type, sub.set, nested[read]);
          }
        }
      }
    }
  }
  return readsOf({
    node: projection(node),
    count,
    text: edge.has('text'),
    references: edge.has('references'),
    via: edge.has('via'),
    techniques: nested.techniques && projection(nested.techniques),
    subtechniques: nested.subtechniques && projection(nested.subtechniques),
  });
}

/** Adds the variables that `value` (an argument's value) names to `into`. */
export function addVariables(value: ValueNode, into: Set<string>) {
  if (value.kind === Kind.VARIABLE) into.add(value.name.value);
  else if (value.kind === Kind.LIST) for (const v of value.values) addVariables(v, into);
  else if (value.kind === Kind.OBJECT) for (const f of value.fields) addVariables(f.value, into);
}

/** Adds the variables that `set` names anywhere (arguments, directives, fragments it spreads) to `into`. */
function addSetVariables(
  set: SelectionSetNode,
  fragments: GraphQLResolveInfo['fragments'],
  into: Set<string>,
  spread: Set<string>,
) {
  for (const s of set.selections) {
    for (const d of s.directives ?? []) for (const a of d.arguments ?? []) addVariables(a.value, into);
    if (s.kind === Kind.FIELD) for (const a of s.arguments ?? []) addVariables(a.value, into);
    if (s.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = fragments[s.name.value];
      if (fragment && !spread.has(s.name.value)) {
        spread.add(s.name.value);
        addSetVariables(fragment.selectionSet, fragments, into, spread);
      }
    } else if (s.selectionSet) addSetVariables(s.selectionSet, fragments, into, spread);
  }
}

/** What a field's result can depend on besides its document: the variables its selection (and, when asked, its arguments) names. */
const variablesOf = (
  field: FieldNode,
  fragments: GraphQLResolveInfo['fragments'],
  withArguments: boolean,
) => {
  const names = new Set<string>();
  if (withArguments) for (const a of field.arguments ?? []) addVariables(a.value, names);
  if (field.selectionSet) addSetVariables(field.selectionSet, fragments, names, new Set());
  return [...names].sort();
};

/** Most answers of a field node kept across requests; past it they start over (a client varying `first`). */
const PER_NODE = 64;

/** A field's answers across requests: by its field nodes, one after another, then its type and variables. */
interface Shared<T> {
  next: WeakMap<FieldNode, Shared<T>>;
  names: string[] | undefined;
  byType: WeakMap<object, Map<string, T>>;
}
const shared = <T>(): Shared<T> => ({ next: new WeakMap(), names: undefined, byType: new WeakMap() });

/**
 * Memoised per field of an operation, across requests: `compute` runs once for each field of each
 * document (parsed once and cached by Yoga, so its AST nodes stay the same objects) with each
 * value of the variables it depends on, the ones its selection names (and, `withArguments`, its
 * own arguments: not a lookup's `attackId`, which changes every request and changes nothing read).
 * Within a request graphql-js hands every parent of a level the same `fieldNodes` array and every
 * field the same `variableValues`, so a list of a thousand parents finds it in one lookup. `arg`
 * must follow from the field nodes and those variables (the field's arguments do), and what
 * `compute` returns is shared: nobody may change it.
 */
export function perField<A, T>(
  compute: (info: GraphQLResolveInfo, arg: A) => T,
  { withArguments = false } = {},
) {
  const request = new WeakMap<readonly FieldNode[], WeakMap<object, T>>();
  const root = shared<T>();
  const across = (info: GraphQLResolveInfo, arg: A): T => {
    let at = root;
    for (const node of info.fieldNodes) {
      let next = at.next.get(node);
      if (!next) {
        next = shared();
        at.next.set(node, next);
      }
      at = next;
    }
    at.names ??= [...new Set(info.fieldNodes.flatMap((f) => variablesOf(f, info.fragments, withArguments)))];
    const vars = info.variableValues;
    const key = at.names.map((n) => (n in vars ? JSON.stringify(vars[n]) : '-')).join(',');
    let byVariables = at.byType.get(info.returnType);
    if (!byVariables) {
      byVariables = new Map();
      at.byType.set(info.returnType, byVariables);
    }
    return keptIn(byVariables, key, PER_NODE, () => compute(info, arg));
  };
  return (info: GraphQLResolveInfo, arg: A): T => {
    let byVariables = request.get(info.fieldNodes);
    if (!byVariables) {
      byVariables = new WeakMap();
      request.set(info.fieldNodes, byVariables);
    }
    let out = byVariables.get(info.variableValues);
    if (out === undefined) {
      out = across(info, arg);
      byVariables.set(info.variableValues, out);
    }
    return out;
  };
}

/** What a field reads by its selection: `compute` walks it once per field of the operation. */
const memo = <T>(compute: (walk: Walk, fields: readonly FieldNode[], type: GraphQLCompositeType) => T) => {
  const once = perField((info: GraphQLResolveInfo) =>
    compute({ info }, info.fieldNodes, getNamedType(info.returnType) as GraphQLCompositeType),
  );
  return (info: GraphQLResolveInfo): T => once(info, undefined);
};

/** What the field being resolved reads of the node (or list of nodes) it returns. */
export const nodeProjection = memo(nodeProjectionOf);

/** What the connection field being resolved reads: node properties, edge extras, the count. */
export const connectionReads = memo(connectionReadsOf);

/** What the field being resolved reads of the nodes under its child `name` (a log source's data component). */
export const childProjection = (name: string) =>
  memo((walk, fields, type) => {
    const keys = new Set<string>();
    for (const f of fields) {
      for (const { on, field } of fieldsOf(walk, type, f.selectionSet)) {
        const child = field.name.value === name ? childOf(on, field) : undefined;
        if (child) addNodeReads(walk, child.type, child.set, keys);
      }
    }
    return projection(keys);
  });

/** Reads of a single related node (a parent, a data source): its own projection, nothing else. */
export const singleReads = memo((walk, fields, type) => nodesOnly(nodeProjectionOf(walk, fields, type)));

/**
 * A field further down the operation, as its resolver will see it: the field nodes of its one
 * response key, its named type and its arguments. A resolver that reads a level ahead (see
 * `ahead`) reads what that field would, and hands it over keyed by those same reads and arguments.
 */
export interface Ahead {
  info: GraphQLResolveInfo;
  fields: readonly FieldNode[];
  type: GraphQLCompositeType;
  args: Record<string, unknown>;
  /** The field definition's extensions (what a look-ahead reads it by). */
  extensions: Readonly<Record<string, unknown>>;
}

/** The field being resolved, as the start of a look-ahead. */
export const here = (info: GraphQLResolveInfo): Ahead => ({
  info,
  fields: info.fieldNodes,
  type: getNamedType(info.returnType) as GraphQLCompositeType,
  args: {},
  extensions: {},
});

/**
 * The child `name` of `at`, when the operation selects it once: under one response key and one
 * definition (no aliases asking for two pages). Otherwise undefined, and that child reads for itself.
 */
export function ahead(at: Ahead | undefined, name: string): Ahead | undefined {
  if (!at) return undefined;
  const walk = { info: at.info };
  const byKey = new Map<string, FieldNode[]>();
  let def: GraphQLField<unknown, unknown> | undefined;
  for (const top of at.fields) {
    for (const { on, field } of fieldsOf(walk, at.type, top.selectionSet)) {
      if (field.name.value !== name) continue;
      const d = definition(on, field);
      if (!d || (def && d !== def)) return undefined;
      def = d;
      const key = field.alias?.value ?? name;
      byKey.set(key, [...(byKey.get(key) ?? []), field]);
    }
  }
  const [fields] = byKey.values();
  const type = def && getNamedType(def.type);
  if (byKey.size !== 1 || !fields?.[0] || !def || !type || !isCompositeType(type)) return undefined;
  return {
    info: at.info,
    fields,
    type,
    args: getArgumentValues(def, fields[0], at.info.variableValues),
    extensions: def.extensions,
  };
}

/** Every child of `at` that `ahead` can read ahead: each field name selected once, as `ahead` finds it. */
export function childrenAhead(at: Ahead): Ahead[] {
  const names = new Set<string>();
  for (const top of at.fields) {
    for (const { field } of fieldsOf({ info: at.info }, at.type, top.selectionSet))
      names.add(field.name.value);
  }
  return [...names].flatMap((name) => ahead(at, name) ?? []);
}

/**
 * What the connection field `at` reads: what `connectionReads` computes in its resolver. With
 * `readAhead`, what a statement that also reads those relation fields of its nodes needs: the
 * same, less the key that only they needed (see `connectionReadsOf`).
 */
export const connectionReadsAhead = (at: Ahead, readAhead?: ReadonlySet<string>) =>
  connectionReadsOf({ info: at.info }, at.fields, at.type, readAhead);

/** What the single-node field `at` reads: what `singleReads` computes in its resolver. */
export const singleReadsAhead = (at: Ahead) =>
  nodesOnly(nodeProjectionOf({ info: at.info }, at.fields, at.type));
