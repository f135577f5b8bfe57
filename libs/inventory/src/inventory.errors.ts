import { Decimal, DomainError, ErrorCode, formatDecimal } from '@gpupool/platform';

/** Inventory's own codes. */
export enum InventoryErrorCode {
  /** A share of 10 % or more, or units past a market's cap. */
  SHARE_CAP_EXCEEDED = 'SHARE_CAP_EXCEEDED',
}

export class InventoryError extends DomainError<InventoryErrorCode | ErrorCode> {}

/** The most units a market may hold: its totals are GraphQL Ints. */
export const MAX_MARKET_UNITS = 2_147_483_647;

export const unknownSku = (code: string) =>
  new InventoryError(ErrorCode.NOT_FOUND, `SKU ${code} is not in the catalog; the skus query lists it, upsertSku adds to it`);
export const unknownRegion = (code: string) =>
  new InventoryError(ErrorCode.NOT_FOUND, `Region ${code} is not in the catalog; the regions query lists it, upsertRegion adds to it`);
export const noMarket = (skuCode: string, regionCode: string) =>
  new InventoryError(ErrorCode.NOT_FOUND, `There is no market for ${skuCode} in ${regionCode}: receive inventory there first`);
export const marketTooLarge = (skuCode: string, regionCode: string, total: number) =>
  new InventoryError(
    ErrorCode.BAD_USER_INPUT,
    `The market for ${skuCode} in ${regionCode} holds ${total} units; it may hold at most ${MAX_MARKET_UNITS}`,
  );
export const shareCapExceeded = (percent: Decimal) =>
  new InventoryError(InventoryErrorCode.SHARE_CAP_EXCEEDED, `A sellable share must be under 10 %; ${formatDecimal(percent)} % was refused`);
export const noShareOverride = (skuCode: string) =>
  new InventoryError(ErrorCode.BAD_USER_INPUT, `SKU ${skuCode} has no share override to clear; it uses the global share`);
export const capReached = (marketId: string, units: number, available: number) =>
  new InventoryError(
    InventoryErrorCode.SHARE_CAP_EXCEEDED,
    `Committing ${units} units to market ${marketId} would pass its cap: ${available} units are available`,
  );
