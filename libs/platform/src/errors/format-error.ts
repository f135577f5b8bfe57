import { randomUUID } from 'node:crypto';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { Logger } from '@nestjs/common';
import { retryableSqlState, ServiceBusyError } from '../database/transaction-retry';
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
  ErrorCode.SERVICE_UNAVAILABLE,
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

/** graphql-js messages for a literal or variable value of the wrong shape or range. */
const BAD_VALUE_MESSAGE =
  /cannot represent|Expected value of type|Expected type|got invalid value|must be a decimal|must be an ISO-8601|does not exist in "\w+" enum/i;

/** graphql-js's parse error for a document over the token cap (`maxTokens`). */
const TOKEN_LIMIT = /^Syntax Error: Document contains more th[ae][nt] \d+ tokens/;

/** Postgres cancelled a statement that ran past `statement_timeout` (SQLSTATE 57014). */
const isStatementTimeout = (error: unknown) =>
  error instanceof Error && (error as { code?: string }).code === '57014' && /statement timeout/.test(error.message);

/** Postgres refused text it cannot store (a NUL character, SQLSTATE 22021): the input's fault. */
const isUnstorableText = (error: unknown) => error instanceof Error && (error as { code?: string }).code === '22021';

/**
 * The code of a request over one of the limits, wherever it was found: a validation rule's own
 * code survives Apollo's GRAPHQL_VALIDATION_FAILED wrapper as the original error.
 */
function limitCode(formatted: GraphQLFormattedError, error: unknown): ErrorCode | undefined {
  if (TOKEN_LIMIT.test(formatted.message)) return ErrorCode.QUERY_TOO_COMPLEX;
  const inner = error instanceof GraphQLError ? error.originalError : undefined;
  return inner instanceof GraphQLError && inner.extensions.code === ErrorCode.QUERY_TOO_COMPLEX ? ErrorCode.QUERY_TOO_COMPLEX : undefined;
}

/**
 * Apollo `formatError`: keeps the code, message and public extensions of errors meant for the
 * caller (a DomainError's `details` go to the log), masks everything else as INTERNAL_SERVER_ERROR
 * with a correlation id (details go to the log only).
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const unwrapped = unwrapResolverError(error);
  // A lock conflict that reached the edge without a retry is still the caller's to retry, never an internal error.
  const sqlState = retryableSqlState(unwrapped);
  const original = sqlState ? new ServiceBusyError(sqlState) : unwrapped;
  const base = { locations: formatted.locations, path: formatted.path };

  if (original instanceof DomainError) {
    if (original.details) logger.debug({ code: original.code, details: original.details, path: formatted.path }, original.message);
    return { ...base, message: original.message, extensions: { code: original.code, ...original.extensions } };
  }
  if (isStatementTimeout(original)) {
    const message = 'The database took too long on this request and cancelled it; ask for fewer items, or retry later';
    return { ...base, message, extensions: { code: ErrorCode.QUERY_TIMEOUT } };
  }
  if (isUnstorableText(original)) {
    return { ...base, message: 'Text arguments may not contain NUL characters (\\u0000)', extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  const limit = limitCode(formatted, error);
  if (limit) return { ...base, message: formatted.message.replace(/^Syntax Error: /, ''), extensions: { code: limit } };
  const code = String(formatted.extensions?.code ?? '');
  if (code === ErrorCode.GRAPHQL_VALIDATION_FAILED && BAD_VALUE_MESSAGE.test(formatted.message)) {
    return { ...base, message: formatted.message, extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  if (PASS_THROUGH.has(code)) {
    const retryAfterMs = formatted.extensions?.retryAfterMs;
    return { ...base, message: formatted.message, extensions: { code, ...(retryAfterMs ? { retryAfterMs } : {}) } };
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
