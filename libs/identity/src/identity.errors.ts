import { DomainError, ErrorCode, formatDecimal } from '@gpupool/platform';
import type { Decimal } from '@gpupool/platform';

/** Identity's own codes: partners' credit lives here. */
export enum IdentityErrorCode {
  INSUFFICIENT_CREDIT = 'INSUFFICIENT_CREDIT',
}

export class IdentityError extends DomainError<IdentityErrorCode | ErrorCode> {}

/** A partner's available credit does not cover what an order would hold. */
export class InsufficientCreditError extends IdentityError {
  constructor(partnerId: string, available: Decimal, requested: Decimal) {
    super(
      IdentityErrorCode.INSUFFICIENT_CREDIT,
      `Insufficient credit: ${formatDecimal(available)} is available and ${formatDecimal(requested)} was asked for`,
      { partnerId, available: formatDecimal(available), requested: formatDecimal(requested) },
    );
  }
}

export const partnerNameTaken = (name: string) => new IdentityError(ErrorCode.BAD_USER_INPUT, `A partner named "${name}" already exists`);
export const partnerKeyNeedsPartner = () =>
  new IdentityError(ErrorCode.BAD_USER_INPUT, 'A PARTNER key needs partnerId, and only a PARTNER key may have one');
export const paymentExceedsReceivable = (amount: Decimal, receivable: Decimal) =>
  new IdentityError(
    ErrorCode.BAD_USER_INPUT,
    `A payment of ${formatDecimal(amount)} exceeds the partner's settled, unpaid receivable of ${formatDecimal(receivable)}`,
  );
