/** Every `extensions.code` the public API can answer with. */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  INSUFFICIENT_CREDIT = 'INSUFFICIENT_CREDIT',
  EXPORT_LICENSE_REQUIRED = 'EXPORT_LICENSE_REQUIRED',
  EXPORT_PROHIBITED = 'EXPORT_PROHIBITED',
  MARKET_NOT_OFFERED = 'MARKET_NOT_OFFERED',
  SHARE_CAP_EXCEEDED = 'SHARE_CAP_EXCEEDED',
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
  ORDER_NOT_CANCELLABLE = 'ORDER_NOT_CANCELLABLE',
  /** A report's file was removed after REPORTS_RETENTION_DAYS; request the report again. */
  REPORT_FILE_DELETED = 'REPORT_FILE_DELETED',
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

/** The HTTP status a transport answers with for each code. */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.UNAUTHENTICATED:
      return 401;
    case ErrorCode.FORBIDDEN:
      return 403;
    case ErrorCode.NOT_FOUND:
      return 404;
    case ErrorCode.RATE_LIMITED:
      return 429;
    case ErrorCode.SERVICE_BUSY:
      return 503;
    case ErrorCode.REPORT_FILE_DELETED:
      return 410;
    case ErrorCode.INTERNAL_SERVER_ERROR:
      return 500;
    case ErrorCode.QUERY_TIMEOUT:
    case ErrorCode.SERVICE_UNAVAILABLE:
      return 503;
    case ErrorCode.BAD_USER_INPUT:
    case ErrorCode.QUERY_TOO_COMPLEX:
    case ErrorCode.GRAPHQL_PARSE_FAILED:
    case ErrorCode.GRAPHQL_VALIDATION_FAILED:
      return 400;
    case ErrorCode.INSUFFICIENT_CREDIT:
    case ErrorCode.EXPORT_LICENSE_REQUIRED:
    case ErrorCode.EXPORT_PROHIBITED:
    case ErrorCode.MARKET_NOT_OFFERED:
    case ErrorCode.SHARE_CAP_EXCEEDED:
    case ErrorCode.IDEMPOTENCY_KEY_REUSED:
    case ErrorCode.ORDER_NOT_CANCELLABLE:
      return 200;
    default: {
      const unreachable: never = code;
      throw new Error(`unmapped error code ${String(unreachable)}`);
    }
  }
}
