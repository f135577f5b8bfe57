import { ComplianceErrorCode } from '@gpupool/compliance';
import { IdentityErrorCode } from '@gpupool/identity';
import { InventoryErrorCode } from '@gpupool/inventory';
import { ErrorCode } from '@gpupool/platform';
import { ReportingErrorCode } from '@gpupool/reporting';
import { TradingErrorCode } from '@gpupool/trading';

/** Every `extensions.code` (and HTTP `code`) the api answers with: platform's and each domain's. */
export type ApiErrorCode = ErrorCode | IdentityErrorCode | InventoryErrorCode | ComplianceErrorCode | TradingErrorCode | ReportingErrorCode;

/**
 * The HTTP status of each code, where a transport sends one (a refusal before GraphQL runs, the
 * REST routes). A domain's refusal of an operation GraphQL ran answers 200 with its code. Checked
 * by the compiler: a code added in a domain fails the build until it is mapped here.
 */
const HTTP_STATUS = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.SERVICE_BUSY]: 503,
  [ErrorCode.QUERY_TOO_COMPLEX]: 400,
  [ErrorCode.QUERY_TIMEOUT]: 503,
  [ErrorCode.INTERNAL_SERVER_ERROR]: 500,
  [ErrorCode.SERVICE_UNAVAILABLE]: 503,
  [ErrorCode.GRAPHQL_PARSE_FAILED]: 400,
  [ErrorCode.GRAPHQL_VALIDATION_FAILED]: 400,
  [IdentityErrorCode.INSUFFICIENT_CREDIT]: 200,
  [InventoryErrorCode.SHARE_CAP_EXCEEDED]: 200,
  [ComplianceErrorCode.EXPORT_LICENSE_REQUIRED]: 200,
  [ComplianceErrorCode.EXPORT_PROHIBITED]: 200,
  [TradingErrorCode.IDEMPOTENCY_KEY_REUSED]: 200,
  [TradingErrorCode.MARKET_NOT_OFFERED]: 200,
  [TradingErrorCode.ORDER_NOT_CANCELLABLE]: 200,
  [ReportingErrorCode.REPORT_FILE_DELETED]: 410,
} as const satisfies Record<ApiErrorCode, number>;

/** The HTTP status of a DomainError's code (500 for a code no domain declares). */
export function httpStatusOf(code: string): number {
  return HTTP_STATUS[code as ApiErrorCode] ?? 500;
}
