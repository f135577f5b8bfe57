import { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { DocumentNode, GraphQLError, GraphQLSchema } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { ErrorCode } from '../errors/error-code';

/**
 * The estimated cost of an operation. List fields that take `first` declare `complexity`
 * (see `pagedComplexity`), so a page of 500 costs 500 times its items.
 */
export function operationComplexity(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  operationName: string | null | undefined,
): number {
  return getComplexity({
    schema,
    query: document,
    operationName: operationName ?? undefined,
    variables: variables ?? {},
    estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
  });
}

export function tooComplexError(complexity: number, max: number): GraphQLError {
  return new GraphQLError(`Query is too complex: ${complexity} exceeds the limit of ${max}; ask for fewer items or fields`, {
    extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, http: { status: 400 } },
  });
}

/** Refuses HTTP operations whose estimated cost exceeds `max` with QUERY_TOO_COMPLEX. */
export function complexityPlugin(max: number): ApolloServerPlugin {
  return {
    async requestDidStart(): Promise<GraphQLRequestListener<object>> {
      return {
        async didResolveOperation({ request, document, schema }) {
          let complexity: number;
          try {
            complexity = operationComplexity(schema, document, request.variables, request.operationName);
          } catch {
            return; // bad variables: execution reports them as BAD_USER_INPUT
          }
          if (complexity > max) throw tooComplexError(complexity, max);
        },
      };
    },
  };
}

/** A field complexity that multiplies the child cost by the page size (`first`). */
export const pagedComplexity = ({ args, childComplexity }: { args: { first?: number }; childComplexity: number }) =>
  1 + (args.first ?? 50) * Math.max(childComplexity, 1);
