import { DomainError, ErrorCode } from '@gpupool/platform';

export class TradingError extends DomainError {}

export const idempotencyKeyReused = (clientOrderId: string) =>
  new TradingError(
    ErrorCode.IDEMPOTENCY_KEY_REUSED,
    `clientOrderId "${clientOrderId}" was already used for a different order; use a new clientOrderId for a new order`,
  );
export const marketNotOffered = (skuCode: string, regionCode: string) =>
  new TradingError(ErrorCode.MARKET_NOT_OFFERED, `${skuCode} in ${regionCode} is not offered at the moment`);
export const expiryNotInFuture = (expiresAt: Date) =>
  new TradingError(ErrorCode.BAD_USER_INPUT, `expiresAt must be in the future (got ${expiresAt.toISOString()})`);
export const orderNotCancellable = (id: string, status: string) =>
  new TradingError(ErrorCode.ORDER_NOT_CANCELLABLE, `Order ${id} is ${status} and can no longer be cancelled`);
