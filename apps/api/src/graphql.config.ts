import { randomUUID } from 'node:crypto';
import { ApolloDriverConfig } from '@nestjs/apollo';
import { ExecutionResult, GraphQLError, GraphQLSchema } from 'graphql';
import type { Request } from 'express';
import { ApiKeyGuard, ApiKeyService, bearerToken } from '@gpupool/identity';
import {
  admitOperation,
  AppConfig,
  AuthPrincipal,
  DomainError,
  ErrorCode,
  formatGraphQLError,
  limitRules,
  limitsPlugin,
  OperationLimits,
  OperationRequest,
  parseOptionsOf,
  RateLimitedError,
  rateLimitedGraphQLError,
  ratePointsOf,
  graphqlMetricsPlugin,
  isUnavailableError,
  RequestContext,
  RequestLimiter,
} from '@gpupool/platform';
import { httpStatusOf } from './error-codes';
import { LIST_BOUNDS } from './list-bounds';

interface WsExtra {
  principal?: AuthPrincipal;
}
interface WsContext {
  connectionParams?: Record<string, unknown>;
  extra: WsExtra;
}

/**
 * A refusal of the guard as Apollo sends it (status and, for RATE_LIMITED, Retry-After); a key
 * lookup that found Postgres or Redis unreachable is SERVICE_UNAVAILABLE (503), not a 500.
 */
function refusal(error: unknown): unknown {
  if (error instanceof RateLimitedError) return rateLimitedGraphQLError(error);
  const refused = isUnavailableError(error)
    ? new DomainError(ErrorCode.SERVICE_UNAVAILABLE, 'The service is briefly unavailable (database or queue unreachable); retry shortly')
    : error;
  if (!(refused instanceof DomainError)) return error;
  return new GraphQLError(refused.message, {
    originalError: refused,
    extensions: { code: refused.code, http: { status: httpStatusOf(refused.code) } },
  });
}

/** Errors as the client sees them on graphql-ws: formatted exactly as over HTTP. */
const formatted = (errors: readonly GraphQLError[]) => errors.map((error) => formatGraphQLError(error.toJSON(), error));

export function operationLimits(config: AppConfig): OperationLimits {
  return {
    maxDepth: config.GRAPHQL_MAX_DEPTH,
    maxAliases: config.GRAPHQL_MAX_ALIASES,
    maxRootFields: config.GRAPHQL_MAX_ROOT_FIELDS,
    maxTokens: config.GRAPHQL_MAX_TOKENS,
    maxCost: config.GRAPHQL_MAX_COMPLEXITY,
    listBounds: LIST_BOUNDS,
  };
}

/**
 * Apollo options: the API-key guard in the context, error masking, CSRF prevention, no batching,
 * and the request limits (tokens, depth, aliases, root fields, cost, rate, requests in flight) on
 * HTTP and on graphql-ws alike (Apollo's rules and plugins do not reach graphql-ws).
 */
export function graphqlOptions(config: AppConfig, keys: ApiKeyService, guard: ApiKeyGuard, limiter: RequestLimiter): ApolloDriverConfig {
  const limits = operationLimits(config);
  let schema: GraphQLSchema | undefined;

  return {
    autoSchemaFile: true,
    sortSchema: true,
    transformSchema: (built) => (schema = built),
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    introspection: true,
    playground: false,
    formatError: formatGraphQLError,
    parseOptions: parseOptionsOf(limits),
    validationRules: limitRules(limits),
    plugins: [limitsPlugin(limits, limiter), graphqlMetricsPlugin()],
    context: async (arg: { req?: Request } | WsContext): Promise<RequestContext> => {
      if ('req' in arg && arg.req) {
        const { principal, leave } = await guard.admit(arg.req.headers.authorization).catch((error: unknown) => {
          throw refusal(error);
        });
        arg.req.res?.once('close', leave); // also when Apollo never reaches willSendResponse
        return { principal, requestId: String(arg.req.id ?? randomUUID()), loaders: new Map(), leave };
      }
      const principal = (arg as WsContext).extra.principal;
      if (!principal) throw refusal(new DomainError(ErrorCode.UNAUTHENTICATED, 'A valid API key is required'));
      return { principal, requestId: randomUUID(), loaders: null };
    },
    subscriptions: {
      'graphql-ws': {
        onConnect: async (ctx: WsContext) => {
          const principal = await keys.authenticate(bearerToken(ctx.connectionParams?.Authorization));
          if (!principal) return false;
          ctx.extra.principal = principal;
          return true;
        },
        // Errors returned here and thrown later reach onError, which formats them as over HTTP.
        onSubscribe: async (ctx: WsContext, _id: string, payload: OperationRequest) => {
          if (!schema) return [new GraphQLError('The schema is not ready yet; retry', { extensions: { code: 'SERVICE_UNAVAILABLE' } })];
          const admitted = admitOperation(schema, payload, limits);
          if (Array.isArray(admitted)) return [...admitted];
          const { document, operation, operationName, variableValues } = admitted as Exclude<typeof admitted, readonly GraphQLError[]>;
          try {
            await limiter.take(ctx.extra.principal!.id, ratePointsOf(document, operation));
          } catch (error) {
            return [refusal(error) as GraphQLError];
          }
          return { schema, document, operationName, variableValues };
        },
        onNext: (_ctx: WsContext, _id: string, _payload: unknown, _args: unknown, result: ExecutionResult) =>
          result.errors ? { ...result, errors: formatted(result.errors) } : undefined,
        onError: (_ctx: WsContext, _id: string, _payload: unknown, errors: readonly GraphQLError[]) => formatted(errors),
      },
    },
  } as ApolloDriverConfig;
}
