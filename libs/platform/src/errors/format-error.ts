import { randomUUID } from 'node:crypto';
import { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { Logger } from '@nestjs/common';
import { DomainError } from './domain-error';
import { ErrorCode } from './error-code';
import { isUnavailableError } from './unavailable';

const logger = new Logger('GraphQLErrors');

/** Codes that graphql-js / Apollo produce themselves and whose messages are safe to show. */
const PASS_THROUGH = new Set<string>([
  ErrorCode.GRAPHQL_PARSE_FAILED,
  ErrorCode.GRAPHQL_VALIDATION_FAILED,
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.FORBIDDEN,
  ErrorCode.QUERY_TOO_COMPLEX,
  ErrorCode.RATE_LIMITED,
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

/** graphql-js messages for a literal or variable value of the wrong shape or range. */
const BAD_VALUE_MESSAGE =
  /cannot represent|Expected value of type|Expected type|got invalid value|must be a decimal|must be an ISO-8601|does not exist in "\w+" enum/i;

/**
 * Apollo `formatError`: keeps the code and message of errors meant for the caller, masks
 * everything else as INTERNAL_SERVER_ERROR with a correlation id (details go to the log only).
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const base = { locations: formatted.locations, path: formatted.path };

  if (original instanceof DomainError) {
    return { ...base, message: original.message, extensions: { code: original.code } };
  }
  const code = String(formatted.extensions?.code ?? '');
  if (code === ErrorCode.GRAPHQL_VALIDATION_FAILED && BAD_VALUE_MESSAGE.test(formatted.message)) {
    return { ...base, message: formatted.message, extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  if (PASS_THROUGH.has(code)) {
    return { ...base, message: formatted.message, extensions: { code } };
  }
  if (isUnavailableError(original)) {
    logger.warn({ err: original, path: formatted.path }, 'GraphQL request failed: a dependency is unreachable');
    return {
      ...base,
      message: 'The service is briefly unavailable (database or queue unreachable); retry shortly (the same clientOrderId is safe)',
      extensions: { code: ErrorCode.SERVICE_UNAVAILABLE },
    };
  }
  const correlationId = randomUUID();
  logger.error({ correlationId, err: original, path: formatted.path }, 'unexpected GraphQL error');
  return {
    ...base,
    message: `Internal error; quote correlation id ${correlationId} when reporting it`,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, correlationId },
  };
}
