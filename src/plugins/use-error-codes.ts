import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Every error a client sees has a code. Masked errors already carry INTERNAL_SERVER_ERROR, so an
 * error still without one came from the request itself (most often a variable graphql-js could
 * not coerce): it is the client's to fix.
 */
export function useErrorCodes(): Plugin {
  return {
    onExecutionResult({ result, setResult }) {
      if (!result || Symbol.asyncIterator in result || !result.errors?.some((e) => !e.extensions?.code))
        return;
      setResult({
        ...result,
        errors: result.errors.map((e) =>
          e.extensions?.code
            ? e
            : new GraphQLError(e.message, {
                nodes: e.nodes,
                source: e.source,
                positions: e.positions,
                path: e.path,
                originalError: e.originalError,
                extensions: { ...e.extensions, code: 'BAD_USER_INPUT' },
              }),
        ),
      });
    },
  };
}
