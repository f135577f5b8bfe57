import { randomUUID } from 'node:crypto';
import { ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLError, GraphQLSchema, parse, validate, specifiedRules } from 'graphql';
import depthLimit from 'graphql-depth-limit';
import type { Request } from 'express';
import { ApiKeyService, bearerToken } from '@gpupool/identity';
import {
  AppConfig,
  AuthPrincipal,
  complexityPlugin,
  ErrorCode,
  formatGraphQLError,
  graphqlMetricsPlugin,
  operationComplexity,
  RateLimiter,
  RequestContext,
  tooComplexError,
} from '@gpupool/platform';

interface WsExtra {
  principal?: AuthPrincipal;
}
interface WsContext {
  connectionParams?: Record<string, unknown>;
  extra: WsExtra;
}

function unauthenticated(): GraphQLError {
  return new GraphQLError('A valid API key is required: send "Authorization: Bearer <key>"', {
    extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } },
  });
}

function rateLimited(): GraphQLError {
  return new GraphQLError('Too many requests for this API key; slow down and retry in a second', {
    extensions: { code: ErrorCode.RATE_LIMITED, http: { status: 429 } },
  });
}

/**
 * Apollo options: auth in the context, error masking, CSRF prevention, no batching, depth and
 * complexity limits on HTTP and on graphql-ws alike (Apollo's rules do not reach subscriptions).
 */
export function graphqlOptions(config: AppConfig, keys: ApiKeyService): ApolloDriverConfig {
  const validationRules = [depthLimit(config.GRAPHQL_MAX_DEPTH)];
  let schema: GraphQLSchema | undefined;
  const limiter = new RateLimiter(config.RATE_LIMIT_PER_SECOND);

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
    validationRules,
    plugins: [complexityPlugin(config.GRAPHQL_MAX_COMPLEXITY), graphqlMetricsPlugin()],
    context: async (arg: { req?: Request } | WsContext): Promise<RequestContext> => {
      if ('req' in arg && arg.req) {
        const principal = await keys.authenticate(bearerToken(arg.req.headers.authorization));
        if (!principal) throw unauthenticated();
        if (!limiter.take(principal.id)) throw rateLimited();
        return { principal, requestId: String(arg.req.id ?? randomUUID()), loaders: new Map() };
      }
      const principal = (arg as WsContext).extra.principal;
      if (!principal) throw unauthenticated();
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
        onSubscribe: (
          _ctx: WsContext,
          _id: string,
          payload: { query: string; variables?: Record<string, unknown> | null; operationName?: string | null },
        ) => {
          if (!schema) return;
          let document;
          try {
            document = parse(payload.query);
          } catch (error) {
            return [error as GraphQLError];
          }
          const errors = validate(schema, document, [...specifiedRules, ...validationRules]);
          if (errors.length > 0) return [...errors];
          const complexity = operationComplexity(schema, document, payload.variables, payload.operationName);
          if (complexity > config.GRAPHQL_MAX_COMPLEXITY) return [tooComplexError(complexity, config.GRAPHQL_MAX_COMPLEXITY)];
          return;
        },
      },
    },
  } as ApolloDriverConfig;
}
