import { type DocumentNode, type ExecutionArgs, GraphQLError, Kind, type SelectionSetNode } from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.ts';

/**
 * The most fields (fragments counted wherever they are spread) a document may have to be compiled.
 * Compiling costs about 0.1 ms per field, several times what validating the document costs: the
 * queries of an app (tens of fields) compile in a few milliseconds, while a document of a few
 * thousand tokens would hold the event loop for a second. Larger documents run as graphql-js runs them.
 */
export const MAX_COMPILED_FIELDS = 200;

/** The fields of `set`, fragments expanded where spread; stops counting past `max`. */
function countFields(
  set: SelectionSetNode,
  fragments: ReadonlyMap<string, SelectionSetNode>,
  max: number,
  seen = new Set<string>(),
): number {
  let n = 0;
  for (const s of set.selections) {
    if (n > max) break;
    if (s.kind === Kind.FIELD)
      n += 1 + (s.selectionSet ? countFields(s.selectionSet, fragments, max - n, seen) : 0);
    else if (s.kind === Kind.INLINE_FRAGMENT) n += countFields(s.selectionSet, fragments, max - n, seen);
    else {
      const fragment = fragments.get(s.name.value);
      // A cycle is refused by validation; counted as over the limit, it is never compiled.
      if (!fragment || seen.has(s.name.value)) return max + 1;
      n += countFields(fragment, fragments, max - n, new Set(seen).add(s.name.value));
    }
  }
  return n;
}

/** Whether `document` is small enough to compile (see MAX_COMPILED_FIELDS). */
export function compilable(document: DocumentNode, max = MAX_COMPILED_FIELDS): boolean {
  const fragments = new Map<string, SelectionSetNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d.selectionSet);
  let n = 0;
  for (const d of document.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION) n += countFields(d.selectionSet, fragments, max - n);
    if (n > max) return false;
  }
  return true;
}

/** A document's compiled operations, by operation name; null for one that runs as graphql-js runs it. */
type Compiled = Map<string, CompiledQuery | null>;

/**
 * Runs each operation as a function compiled for its document (graphql-jit), instead of walking the
 * document field by field as graphql-js does: arguments are coerced and fields dispatched by code
 * written once for the document, not looked up for every field of every item. The same resolvers
 * run, so what is read, the batching and every plugin that wraps execution stay as they are; only
 * the walk is faster (a third to a half less of the API's own time on list-heavy answers, see
 * docs/performance-log.md).
 *
 * A document is compiled the second time it runs, and kept with it: Yoga's parser cache hands every
 * request with the same text the same document, so an app's queries compile once each, and a
 * document sent once (a client exploring in GraphiQL, or one sending endless new documents) is
 * never compiled. Nor is one over MAX_COMPILED_FIELDS, or one graphql-jit cannot compile (it runs
 * as before, and the log says why at debug level). The compiled functions live in a WeakMap keyed
 * by the document, so they go when Yoga's cache lets the document go. `GRAPHQL_JIT=false` turns
 * this off.
 */
export function useCompiledExecution(log: Logger): Plugin {
  const ranOnce = new WeakSet<DocumentNode>();
  const byDocument = new WeakMap<DocumentNode, Compiled>();
  const compiledFor = (args: ExecutionArgs): CompiledQuery | null | undefined => {
    const name = args.operationName ?? '';
    const compiled = byDocument.get(args.document);
    if (compiled?.has(name)) return compiled.get(name);
    if (!ranOnce.has(args.document)) {
      ranOnce.add(args.document);
      return undefined;
    }
    let query: CompiledQuery | null = null;
    if (compilable(args.document)) {
      const result = compileQuery(args.schema, args.document, args.operationName ?? undefined);
      if (isCompiledQuery(result)) {
        query = result;
        log.debug({ operation: name || null }, 'operation compiled');
      } else log.debug({ errors: result.errors?.map((e) => e.message) }, 'operation not compiled');
    }
    byDocument.set(args.document, (compiled ?? new Map()).set(name, query));
    return query;
  };
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const query = compiledFor(args);
      if (!query) return;
      setExecuteFn(async (run) => {
        const result = await query.query(run.rootValue, run.contextValue, run.variableValues);
        // Only variables that do not coerce leave no `data`, and then nothing has run: graphql-js
        // answers them, in its own words.
        if (!('data' in result)) return executeFn(run);
        return result.errors
          ? { ...result, errors: result.errors.map((e) => located(run.document, e)) }
          : result;
      });
    },
  };
}

/**
 * A compiled operation's error as graphql-js would have made it. graphql-jit gives its errors their
 * `locations` but not the positions in the source that Yoga rebuilds errors from (it would drop
 * them), so they are given here, from the document's source.
 */
function located(document: DocumentNode, error: GraphQLError): GraphQLError {
  const source = document.loc?.source;
  const lines = source?.body.split('\n');
  const positions = (error.locations ?? []).flatMap(({ line, column }) => {
    if (!lines || line > lines.length) return [];
    let offset = column - 1;
    for (let i = 0; i < line - 1; i++) offset += (lines[i] as string).length + 1;
    return [offset];
  });
  return new GraphQLError(error.message, {
    source: positions.length > 0 ? source : undefined,
    positions: positions.length > 0 ? positions : undefined,
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: error.extensions,
  });
}
