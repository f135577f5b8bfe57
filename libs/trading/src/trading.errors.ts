import { DomainError, ErrorCode } from '@gpupool/platform';

/** Trading's own codes; the rest are platform's `ErrorCode`. */
export enum TradingErrorCode {
  /** The clientOrderId names an order of other terms. */
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
  MARKET_NOT_OFFERED = 'MARKET_NOT_OFFERED',
  ORDER_NOT_CANCELLABLE = 'ORDER_NOT_CANCELLABLE',
}

export class TradingError extends DomainError<TradingErrorCode | ErrorCode> {}

export const idempotencyKeyReused = (clientOrderId: string) =>
  new TradingError(
    TradingErrorCode.IDEMPOTENCY_KEY_REUSED,
    `clientOrderId "${clientOrderId}" was already used for a different order; use a new clientOrderId for a new order`,
  );
export const marketNotOffered = (skuCode: string, regionCode: string) =>
  new TradingError(TradingErrorCode.MARKET_NOT_OFFERED, `${skuCode} in ${regionCode} is not offered at the moment`);
export const expiryNotInFuture = (expiresAt: Date) =>
  new TradingError(ErrorCode.BAD_USER_INPUT, `expiresAt must be in the future (got ${expiresAt.toISOString()})`);
export const orderNotCancellable = (id: string, status: string) =>
  new TradingError(TradingErrorCode.ORDER_NOT_CANCELLABLE, `Order ${id} is ${status} and can no longer be cancelled`);
