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

function requireIds(partnerIds: Iterable<string>): string[] {
  const ids = [...new Set([...partnerIds].map((id) => id.toLowerCase()))];
  const malformed = ids.find((id) => !isUuid(id));
  if (malformed !== undefined) throw new NotFoundError('Partner', malformed);
  return ids.sort();
}

/** Partner rows locked in id order, inside a statement that then changes them: the one order every caller locks several in. */
const LOCKED_IN_ORDER = `SELECT id FROM partner WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`;

/**
 * A partner's credit: holds for open orders and unsettled fills, and settled, unpaid receivables.
 * Every method runs inside the caller's transaction. Partner rows are locked FOR NO KEY UPDATE
 * (the lock an UPDATE of the counters takes), so inserts of orders and fills, whose foreign keys
 * only take KEY SHARE, never wait for a credit change; several partners are locked in id order.
 */
@Injectable()
export class PartnerCreditService {
  /** The partner, locked until the caller's transaction ends. */
  async lockPartner(em: EntityManager, partnerId: string): Promise<Partner> {
    const [partner] = await this.lockPartners(em, [partnerId]);
    return partner!;
  }

  /** Partners, locked in the order of their ids (the order every caller locks several in); sorted so. */
  async lockPartners(em: EntityManager, partnerIds: readonly string[]): Promise<Partner[]> {
    const ids = requireIds(partnerIds);
    const partners = await em
      .createQueryBuilder(Partner, 'p')
      .setLock('for_no_key_update')
      .where('p.id IN (:...ids)', { ids })
      .orderBy('p.id')
      .getMany();
    const missing = ids.find((id, i) => partners[i]?.id !== id);
    if (missing !== undefined) throw new NotFoundError('Partner', missing);
    return partners;
  }

  /**
   * Holds `amount` of credit in one conditional statement (check and hold together, under the
   * row lock the UPDATE takes), or refuses with INSUFFICIENT_CREDIT when less is available.
   */
  async hold(em: EntityManager, partnerId: string, amount: Decimal): Promise<void> {
    fen('hold amount', amount);
    if (!isUuid(partnerId)) throw new NotFoundError('Partner', partnerId);
    // TypeORM answers an UPDATE with [rows, count].
    const [held]: [unknown[], number] = await em.query(
      `UPDATE partner SET credit_held = credit_held + $2::numeric
        WHERE id = $1 AND credit_limit - credit_held - receivable >= $2::numeric
        RETURNING id`,
      [partnerId, amount.toFixed(2)],
    );
    if (held.length > 0) return;
    const [partner] = await em.findBy(Partner, { id: partnerId });
    if (!partner) throw new NotFoundError('Partner', partnerId);
    throw new InsufficientCreditError(partnerId, Decimal.max(partner.creditAvailable, 0), amount);
  }

  /** Gives back a hold (the unused rest of an order that ended). */
  async release(em: EntityManager, partnerId: string, amount: Decimal): Promise<void> {
    await this.releaseMany(em, new Map([[partnerId, amount]]));
  }

  /** Gives back holds of several partners in one statement, their rows locked in id order; zero amounts are skipped. */
  async releaseMany(em: EntityManager, amounts: ReadonlyMap<string, Decimal>): Promise<void> {
    const entries = [...amounts].filter(([, amount]) => !fen('release amount', amount).isZero());
    if (entries.length === 0) return;
    const ids = requireIds(entries.map(([id]) => id));
    const amountOf = new Map(entries.map(([id, amount]) => [id.toLowerCase(), amount]));
    const [released]: [{ id: string }[], number] = await em.query(
      `UPDATE partner p SET credit_held = p.credit_held - u.amount
         FROM (${LOCKED_IN_ORDER}) l, unnest($1::uuid[], $2::numeric[]) AS u(id, amount)
        WHERE p.id = l.id AND p.id = u.id AND p.credit_held >= u.amount
        RETURNING p.id`,
      [ids, ids.map((id) => amountOf.get(id)!.toFixed(2))],
    );
    if (released.length === ids.length) return;
    const done = new Set(released.map((r) => r.id));
    const short = ids.find((id) => !done.has(id))!;
    const [partner] = await em.findBy(Partner, { id: short });
    if (!partner) throw new NotFoundError('Partner', short);
    throw this.notHeld(partner, amountOf.get(short)!);
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
    for (const partner of partners) {
      const { hold } = byPartner.get(partner.id)!;
      if (hold.gt(partner.creditHeld)) throw this.notHeld(partner, hold);
    }
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
    const receivable = partner.receivable.minus(amount);
    await em.update(Partner, { id: partner.id }, { receivable });
    return Object.assign(partner, { receivable });
  }

  private notHeld(partner: Partner, amount: Decimal): RangeError {
    return new RangeError(
      `cannot take ${formatDecimal(amount)} off the hold of partner ${partner.id}: only ${formatDecimal(partner.creditHeld)} is held`,
    );
  }
}
