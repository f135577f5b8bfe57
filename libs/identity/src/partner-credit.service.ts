import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Decimal, formatDecimal, isUuid, NotFoundError } from '@gpupool/platform';
import { InsufficientCreditError, paymentExceedsReceivable } from './identity.errors';
import { Partner } from './partner.entity';

/** Amounts reaching the credit counters are whole fen and never negative; anything else is a caller's bug. */
function fen(name: string, amount: Decimal): Decimal {
  if (!(amount instanceof Decimal) || amount.isNeg() || amount.decimalPlaces() > 2) {
    throw new RangeError(`${name} must be a Decimal ≥ 0 with at most two decimals (got ${String(amount)})`);
  }
  return amount;
}

/**
 * A partner's credit: holds for open orders and unsettled fills, and settled, unpaid receivables.
 * Every method runs inside the caller's transaction and first takes the partner's row lock, so
 * concurrent callers see each other's changes and cannot together overspend the limit.
 */
@Injectable()
export class PartnerCreditService {
  /** The partner, locked FOR UPDATE until the caller's transaction ends. */
  async lockPartner(em: EntityManager, partnerId: string): Promise<Partner> {
    const partner = isUuid(partnerId)
      ? await em.findOne(Partner, { where: { id: partnerId }, lock: { mode: 'pessimistic_write' } })
      : null;
    if (!partner) throw new NotFoundError('Partner', partnerId);
    return partner;
  }

  /** Holds `amount` of credit, or refuses with INSUFFICIENT_CREDIT when less is available. */
  async hold(em: EntityManager, partnerId: string, amount: Decimal): Promise<Partner> {
    fen('hold amount', amount);
    const partner = await this.lockPartner(em, partnerId);
    const available = partner.creditAvailable;
    if (available.lt(amount)) throw new InsufficientCreditError(partnerId, Decimal.max(available, 0), amount);
    return this.write(em, partner, { creditHeld: partner.creditHeld.plus(amount) });
  }

  /** Gives back a hold (the unused rest of an order that ended). */
  async release(em: EntityManager, partnerId: string, amount: Decimal): Promise<Partner> {
    fen('release amount', amount);
    const partner = await this.lockPartner(em, partnerId);
    this.requireHeld(partner, amount);
    return this.write(em, partner, { creditHeld: partner.creditHeld.minus(amount) });
  }

  /** Settles a fill: its part of the hold leaves, its gross amount becomes a receivable. */
  async holdToReceivable(em: EntityManager, partnerId: string, holdAmount: Decimal, grossAmount: Decimal): Promise<Partner> {
    fen('hold amount', holdAmount);
    fen('gross amount', grossAmount);
    const partner = await this.lockPartner(em, partnerId);
    this.requireHeld(partner, holdAmount);
    return this.write(em, partner, {
      creditHeld: partner.creditHeld.minus(holdAmount),
      receivable: partner.receivable.plus(grossAmount),
    });
  }

  /** Reduces the receivable by a payment; more than the settled, unpaid receivable is BAD_USER_INPUT. */
  async applyPayment(em: EntityManager, partnerId: string, amount: Decimal): Promise<Partner> {
    fen('payment amount', amount);
    const partner = await this.lockPartner(em, partnerId);
    if (amount.gt(partner.receivable)) throw paymentExceedsReceivable(amount, partner.receivable);
    return this.write(em, partner, { receivable: partner.receivable.minus(amount) });
  }

  private requireHeld(partner: Partner, amount: Decimal): void {
    if (amount.gt(partner.creditHeld)) {
      throw new RangeError(
        `cannot take ${formatDecimal(amount)} off the hold of partner ${partner.id}: only ${formatDecimal(partner.creditHeld)} is held`,
      );
    }
  }

  private async write(
    em: EntityManager,
    partner: Partner,
    changes: Partial<Pick<Partner, 'creditHeld' | 'receivable'>>,
  ): Promise<Partner> {
    await em.update(Partner, { id: partner.id }, changes);
    return Object.assign(partner, changes);
  }
}
