import { ApolloServerPlugin, GraphQLRequestListener, HeaderMap } from '@apollo/server';
import { getVariableValues, GraphQLError } from 'graphql';
import { RateLimitedError, RequestLimiter } from '../auth/request-limiter';
import { RequestContext } from '../auth/request-context';
import { checkCost, OperationLimits, rootFieldCount } from './operation-limits';

/** A RATE_LIMITED refusal as Apollo sends it: HTTP 429 with Retry-After. */
export function rateLimitedGraphQLError(error: RateLimitedError): GraphQLError {
  const headers = new HeaderMap([['retry-after', String(Math.ceil(error.retryAfterMs / 1000))]]);
  return new GraphQLError(error.message, {
    originalError: error,
    extensions: { code: error.code, retryAfterMs: error.retryAfterMs, http: { status: 429, headers } },
  });
}

/** The rate points an operation costs: 1, or 1 per root field of a mutation (aliases included). */
export const ratePointsOf = (...args: Parameters<typeof rootFieldCount>) =>
  args[1].operation === 'mutation' ? Math.max(1, rootFieldCount(...args)) : 1;

/**
 * Apollo (HTTP) side of the request limits, once the operation is known: refuses one over the cost
 * limit (QUERY_TOO_COMPLEX), takes the rest of a batch of mutations from the key's rate (the
 * context took 1), and frees the key's in-flight slot when the response goes out.
 */
export function limitsPlugin(limits: OperationLimits, limiter: RequestLimiter): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart(): Promise<GraphQLRequestListener<RequestContext>> {
      return {
        async didResolveOperation({ request, document, schema, operation, contextValue }) {
          if (!operation) return;
          const variables = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
          if (variables.errors) return; // execution answers BAD_USER_INPUT
          checkCost(schema, document, request.variables, request.operationName, limits);
          const extra = ratePointsOf(document, operation) - 1;
          if (extra > 0) {
            await limiter.take(contextValue.principal.id, extra).catch((error: unknown) => {
              throw error instanceof RateLimitedError ? rateLimitedGraphQLError(error) : error;
            });
          }
        },
        async willSendResponse({ contextValue }) {
          contextValue.leave?.();
        },
      };
    },
  };
}
