/**
 * The codes that belong to no domain: authentication, lookups, input, limits and failures of the
 * service itself. Each domain declares its own codes beside its errors (`TradingErrorCode`, …);
 * the api maps every one of them to its HTTP status (apps/api/src/error-codes.ts).
 */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  RATE_LIMITED = 'RATE_LIMITED',
  /** Lock conflicts outlasted the retries; nothing was written: retry (with the same clientOrderId). */
  SERVICE_BUSY = 'SERVICE_BUSY',
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  QUERY_TIMEOUT = 'QUERY_TIMEOUT',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
  /** Postgres or Redis is unreachable right now; retry shortly (the same clientOrderId is safe). */
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  GRAPHQL_PARSE_FAILED = 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED',
}
