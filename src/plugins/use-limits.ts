import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { type GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../env.ts';
import { useCostLimit } from './use-cost-limit.ts';

/** Gives an armor rejection its own code: the client learns which limit it hit. */
const coded =
  (code: string) =>
  (_: unknown, error: GraphQLError): void => {
    // GraphQLError's extensions object is plain and ours to annotate before it is sent.
    Object.assign(error.extensions as Record<string, unknown>, { code });
  };

/**
 * Query limits checked before anything runs: tokens while parsing; depth, aliases and directives
 * while validating; the cost (objects it could return) once the variables are known. Introspection is refused when switched off, and "did you mean"
 * suggestions are removed from error messages where field suggestions are off.
 */
export function useLimits(config: Config): Plugin[] {
  const { limits, http } = config;
  const armor = EnvelopArmorPlugin({
    maxTokens: { n: limits.tokens, onReject: [coded('MAX_TOKENS_EXCEEDED')] },
    maxDepth: { n: limits.depth, flattenFragments: true, onReject: [coded('MAX_DEPTH_EXCEEDED')] },
    // Armor's cost reads only literal page sizes; useCostLimit also sees variables and defaults.
    costLimit: { enabled: false },
    maxAliases: { n: limits.aliases, onReject: [coded('MAX_ALIASES_EXCEEDED')] },
    maxDirectives: { n: limits.directives, onReject: [coded('MAX_DIRECTIVES_EXCEEDED')] },
    blockFieldSuggestion: { enabled: !http.fieldSuggestions },
  }) as Plugin;
  const plugins: Plugin[] = [armor, useCostLimit(limits.cost)];
  if (!http.introspection) {
    plugins.push({
      onValidate({ addValidationRule }) {
        addValidationRule(NoSchemaIntrospectionCustomRule);
      },
    });
  }
  return plugins;
}
