import { initGraphQLTada } from 'gql.tada';
import type { introspection } from './graphql-env.d.ts';

/**
 * Documents typed from the committed schema.graphql: `npm run typecheck` regenerates
 * graphql-env.d.ts from it first, so a schema change that breaks a page fails the typecheck.
 */
export const graphql = initGraphQLTada<{ introspection: introspection }>();

export type { ResultOf, VariablesOf } from 'gql.tada';
