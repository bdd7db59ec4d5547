import { GraphQLEnumType, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** graphql-js's message for an enum literal that is not one of the enum's values. */
const ENUM_VALUE = /^Value "(.+)" does not exist in "(\w+)" enum\./;

/**
 * Every error a client sees has a code; an unknown enum value (an unknown domain, say) is the
 * client's to fix, and the message lists what is allowed. Masked errors already carry INTERNAL_SERVER_ERROR, so an
 * error still without one came from the request itself (most often a variable graphql-js could
 * not coerce): it is the client's to fix.
 */
export function useErrorCodes(): Plugin {
  return {
    onValidate({ params }) {
      return ({ result, setResult }) => {
        if (!result.some((e) => ENUM_VALUE.test(e.message))) return;
        setResult(
          result.map((e) => {
            const [, value, name] = ENUM_VALUE.exec(e.message) ?? [];
            const type = name ? params.schema.getType(name) : undefined;
            if (!(type instanceof GraphQLEnumType)) return e;
            const allowed = type.getValues().map((v) => v.name);
            return new GraphQLError(`${value} is not a ${name}: expected one of ${allowed.join(', ')}.`, {
              nodes: e.nodes,
              source: e.source,
              positions: e.positions,
              extensions: { code: 'BAD_USER_INPUT' },
            });
          }),
        );
      };
    },
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
