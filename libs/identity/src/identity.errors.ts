import { DomainError, ErrorCode } from '@gpupool/platform';

export class IdentityError extends DomainError {}

export const partnerNameTaken = (name: string) =>
  new IdentityError(ErrorCode.BAD_USER_INPUT, `A partner named "${name}" already exists`);
export const partnerKeyNeedsPartner = () =>
  new IdentityError(ErrorCode.BAD_USER_INPUT, 'A PARTNER key needs partnerId, and only a PARTNER key may have one');
