import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Decimal, formatDecimal, isUuid, NotFoundError } from '@gpupool/platform';
import { InsufficientCreditError, paymentExceedsReceivable } from './identity.errors';
import { Partner } from './partner.entity';

/** A settled fill's effect on its partner's credit: its part of the hold, and its gross amount owed. */
export interface SettledCredit {
  partnerId: string;
  holdAmount: Decimal;
  grossAmount: Decimal;
}

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
    const [partner] = await this.lockPartners(em, [partnerId]);
    return partner!;
  }

  /** Partners, locked FOR UPDATE in the order of their ids (the order every caller locks several in); sorted so. */
  async lockPartners(em: EntityManager, partnerIds: readonly string[]): Promise<Partner[]> {
    const malformed = partnerIds.find((id) => !isUuid(id));
    if (malformed !== undefined) throw new NotFoundError('Partner', malformed);
    const ids = [...new Set(partnerIds.map((id) => id.toLowerCase()))].sort();
    const partners = await em
      .createQueryBuilder(Partner, 'p')
      .setLock('pessimistic_write')
      .where('p.id IN (:...ids)', { ids })
      .orderBy('p.id')
      .getMany();
    const missing = ids.find((id, i) => partners[i]?.id !== id);
    if (missing !== undefined) throw new NotFoundError('Partner', missing);
    return partners;
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
    const [partner] = await this.holdsToReceivables(em, [{ partnerId, holdAmount, grossAmount }]);
    return partner!;
  }

  /** Settles fills of several partners in one statement: each partner's hold parts leave, its gross amounts become a receivable. */
  async holdsToReceivables(em: EntityManager, settled: readonly SettledCredit[]): Promise<Partner[]> {
    const byPartner = new Map<string, { hold: Decimal; gross: Decimal }>();
    for (const { partnerId, holdAmount, grossAmount } of settled) {
      const sum = byPartner.get(partnerId) ?? { hold: new Decimal(0), gross: new Decimal(0) };
      byPartner.set(partnerId, {
        hold: sum.hold.plus(fen('hold amount', holdAmount)),
        gross: sum.gross.plus(fen('gross amount', grossAmount)),
      });
    }
    const partners = await this.lockPartners(em, [...byPartner.keys()]);
    for (const partner of partners) this.requireHeld(partner, byPartner.get(partner.id)!.hold);
    await em.query(
      `UPDATE partner p SET credit_held = p.credit_held - u.hold, receivable = p.receivable + u.gross
         FROM unnest($1::uuid[], $2::numeric[], $3::numeric[]) AS u(id, hold, gross) WHERE p.id = u.id`,
      [
        partners.map((p) => p.id),
        partners.map((p) => byPartner.get(p.id)!.hold.toFixed()),
        partners.map((p) => byPartner.get(p.id)!.gross.toFixed()),
      ],
    );
    return partners.map((partner) => {
      const { hold, gross } = byPartner.get(partner.id)!;
      return Object.assign(partner, { creditHeld: partner.creditHeld.minus(hold), receivable: partner.receivable.plus(gross) });
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

  private async write(em: EntityManager, partner: Partner, changes: Partial<Pick<Partner, 'creditHeld' | 'receivable'>>): Promise<Partner> {
    await em.update(Partner, { id: partner.id }, changes);
    return Object.assign(partner, changes);
  }
}
