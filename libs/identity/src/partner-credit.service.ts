import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Decimal, formatDecimal, isUuid, NotFoundError, PreparedStatement, runPrepared } from '@gpupool/platform';
import { creditRefusal, paymentExceedsReceivable } from './identity.errors';
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

/** Check and hold in one: identity's `hold_credit` (migrations/), which raises when it refuses. */
const HOLD_CREDIT: PreparedStatement = { name: 'hold-credit', text: 'SELECT hold_credit($1, $2::numeric)' };

/** Partner rows locked in id order, inside a statement that then changes them: the one order every caller locks several in. */
const LOCKED_IN_ORDER = `SELECT id FROM partner WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`;

/** Gives back holds ($2) of partners ($1) that hold at least that much; the rows back are the partners changed. */
const RELEASE_HOLDS: PreparedStatement = {
  name: 'partners-release-holds',
  text: `UPDATE partner p SET credit_held = p.credit_held - u.amount
           FROM (${LOCKED_IN_ORDER}) l, unnest($1::uuid[], $2::numeric[]) AS u(id, amount)
          WHERE p.id = l.id AND p.id = u.id AND p.credit_held >= u.amount
          RETURNING p.id`,
};

/** Moves hold parts ($2) of partners ($1) to receivables ($3) where that much is held; the rows back are the partners changed. */
const HOLDS_TO_RECEIVABLES: PreparedStatement = {
  name: 'partners-holds-to-receivables',
  text: `UPDATE partner p SET credit_held = p.credit_held - u.hold, receivable = p.receivable + u.gross
           FROM (${LOCKED_IN_ORDER}) l, unnest($1::uuid[], $2::numeric[], $3::numeric[]) AS u(id, hold, gross)
          WHERE p.id = l.id AND p.id = u.id AND p.credit_held >= u.hold
          RETURNING p.id`,
};

/**
 * A partner's credit: holds for open orders and unsettled fills, and settled, unpaid receivables.
 * Every method runs inside the caller's transaction. Partner rows are locked FOR NO KEY UPDATE
 * (the lock an UPDATE of the counters takes), so inserts of orders and fills, whose foreign keys
 * only take KEY SHARE, never wait for a credit change; several partners are locked in id order.
 */
@Injectable()
export class PartnerCreditService {
  /** The partner as it is now (not locked); NOT_FOUND when there is none. */
  async partner(em: EntityManager, partnerId: string): Promise<Partner> {
    const partner = isUuid(partnerId) ? await em.findOneBy(Partner, { id: partnerId }) : null;
    if (!partner) throw new NotFoundError('Partner', partnerId);
    return partner;
  }

  /**
   * Holds `amount` of credit in one conditional statement (check and hold together, under the
   * row lock the UPDATE takes), or refuses with INSUFFICIENT_CREDIT when less is available.
   */
  async hold(em: EntityManager, partnerId: string, amount: Decimal): Promise<void> {
    fen('hold amount', amount);
    if (!isUuid(partnerId)) throw new NotFoundError('Partner', partnerId);
    try {
      await runPrepared(em, HOLD_CREDIT, [partnerId, amount.toFixed(2)]);
    } catch (error) {
      throw creditRefusal(error) ?? error;
    }
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
    const { rows: released } = await runPrepared<{ id: string }>(em, RELEASE_HOLDS, [ids, ids.map((id) => amountOf.get(id)!.toFixed(2))]);
    await this.refuseUnchanged(em, ids, released, (id) => amountOf.get(id)!);
  }

  /**
   * Settles fills of several partners in one statement, their rows locked in id order: each
   * partner's hold parts leave, its gross amounts become a receivable.
   */
  async holdsToReceivables(em: EntityManager, settled: readonly SettledCredit[]): Promise<void> {
    const byPartner = new Map<string, { hold: Decimal; gross: Decimal }>();
    for (const { partnerId, holdAmount, grossAmount } of settled) {
      const key = partnerId.toLowerCase();
      const sum = byPartner.get(key) ?? { hold: new Decimal(0), gross: new Decimal(0) };
      byPartner.set(key, {
        hold: sum.hold.plus(fen('hold amount', holdAmount)),
        gross: sum.gross.plus(fen('gross amount', grossAmount)),
      });
    }
    if (byPartner.size === 0) return;
    const ids = requireIds(byPartner.keys());
    const { rows: moved } = await runPrepared<{ id: string }>(em, HOLDS_TO_RECEIVABLES, [
      ids,
      ids.map((id) => byPartner.get(id)!.hold.toFixed()),
      ids.map((id) => byPartner.get(id)!.gross.toFixed()),
    ]);
    await this.refuseUnchanged(em, ids, moved, (id) => byPartner.get(id)!.hold);
  }

  /**
   * After a conditional UPDATE of partners' holds: returns when every partner of `ids` was
   * changed, else throws for the first that was not (NOT_FOUND, or less held than `takenFrom` it).
   */
  private async refuseUnchanged(
    em: EntityManager,
    ids: readonly string[],
    changed: readonly { id: string }[],
    takenFrom: (id: string) => Decimal,
  ): Promise<void> {
    if (changed.length === ids.length) return;
    const done = new Set(changed.map((r) => r.id));
    const short = ids.find((id) => !done.has(id))!;
    throw this.notHeld(await this.partner(em, short), takenFrom(short));
  }

  /**
   * Reduces the receivable by a payment in one conditional statement (the last lock a payment
   * takes); more than the settled, unpaid receivable is BAD_USER_INPUT. Returns the receivable after.
   */
  async applyPayment(em: EntityManager, partnerId: string, amount: Decimal): Promise<Decimal> {
    fen('payment amount', amount);
    if (!isUuid(partnerId)) throw new NotFoundError('Partner', partnerId);
    // TypeORM answers an UPDATE with [rows, count].
    const [[paid]]: [{ receivable: string }[], number] = await em.query(
      `UPDATE partner SET receivable = receivable - $2::numeric WHERE id = $1 AND receivable >= $2::numeric RETURNING receivable`,
      [partnerId, amount.toFixed(2)],
    );
    if (paid) return new Decimal(paid.receivable);
    throw paymentExceedsReceivable(amount, (await this.partner(em, partnerId)).receivable);
  }

  private notHeld(partner: Partner, amount: Decimal): RangeError {
    return new RangeError(
      `cannot take ${formatDecimal(amount)} off the hold of partner ${partner.id}: only ${formatDecimal(partner.creditHeld)} is held`,
    );
  }
}
