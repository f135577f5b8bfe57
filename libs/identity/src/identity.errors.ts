import { databaseRefusal, Decimal, DomainError, ErrorCode, formatDecimal, NotFoundError } from '@gpupool/platform';

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

/**
 * The error for a credit hold that `hold_credit` refused (SQLSTATE GPC01): INSUFFICIENT_CREDIT, or
 * NOT_FOUND when there is no such partner; undefined for any other error.
 */
export function creditRefusal(error: unknown): IdentityError | NotFoundError | undefined {
  const refused = databaseRefusal<{ partnerId: string; available: string | null; requested: string }>(error, 'GPC01');
  if (!refused) return undefined;
  if (refused.available === null) return new NotFoundError('Partner', refused.partnerId);
  return new InsufficientCreditError(refused.partnerId, Decimal.max(new Decimal(refused.available), 0), new Decimal(refused.requested));
}

export const partnerNameTaken = (name: string) => new IdentityError(ErrorCode.BAD_USER_INPUT, `A partner named "${name}" already exists`);
export const partnerKeyNeedsPartner = () =>
  new IdentityError(ErrorCode.BAD_USER_INPUT, 'A PARTNER key needs partnerId, and only a PARTNER key may have one');
export const paymentExceedsReceivable = (amount: Decimal, receivable: Decimal) =>
  new IdentityError(
    ErrorCode.BAD_USER_INPUT,
    `A payment of ${formatDecimal(amount)} exceeds the partner's settled, unpaid receivable of ${formatDecimal(receivable)}`,
  );
