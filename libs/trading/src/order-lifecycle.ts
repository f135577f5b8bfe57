import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ComplianceService, UsageRelease } from '@gpupool/compliance';
import { PartnerCreditService } from '@gpupool/identity';
import { Decimal } from '@gpupool/platform';
import { holdFor } from './credit-hold';
import { Order, OrderStatusValue } from './order.entity';

export type EndStatus = Extract<OrderStatusValue, 'CANCELLED' | 'EXPIRED'>;

/**
 * What ended orders give back, gathered over a transaction and given back in one pass at its end:
 * units of export headroom, then credit, each in one statement that locks its rows in key order
 * (the lock order of libs/trading/README.md).
 */
export class GiveBack {
  readonly credit = new Map<string, Decimal>();
  readonly usage: UsageRelease[] = [];

  add(order: Order, released: Decimal): void {
    this.credit.set(order.partnerId, (this.credit.get(order.partnerId) ?? new Decimal(0)).plus(released));
    if (order.remainingQuantity > 0)
      this.usage.push({ partnerId: order.partnerId, skuCode: order.skuCode, units: order.remainingQuantity });
  }
}

/**
 * Ends orders with a remainder (cancel, expiry, IOC/FOK rests, export blocks): writes each order's
 * final state (with what it filled in the caller's run) in one statement, and gives back the
 * unused credit hold and the unfilled units of export headroom, in the caller's transaction. The
 * caller holds the lock of the orders' market, under which every change of an open order is made.
 */
@Injectable()
export class OrderLifecycle {
  constructor(
    private readonly credit: PartnerCreditService,
    private readonly compliance: ComplianceService,
  ) {}

  /**
   * Ends `orders`; with `later`, what they give back is added to it for the caller to give back
   * (with `giveBack`) once its other writes are done, else it is given back now.
   */
  async end(
    em: EntityManager,
    orders: Order[],
    status: EndStatus,
    reasonOf: (order: Order) => string | null,
    later?: GiveBack,
  ): Promise<void> {
    if (orders.length === 0) return;
    const pending = later ?? new GiveBack();
    for (const order of orders) {
      const released = order.holdAmount.minus(holdFor(order.filledQuantity, order.limitPrice, order.taxRatePercent));
      pending.add(order, released);
      order.status = status;
      order.statusReason = reasonOf(order);
      order.holdReleased = released;
    }
    // TypeORM answers an UPDATE with [rows, count].
    const [written]: [{ id: string; updated_at: Date }[], number] = await em.query(
      `UPDATE orders o SET status = $1, filled_quantity = u.filled, filled_amount = u.amount, status_reason = u.reason,
              hold_released = u.released, resting = true, updated_at = now()
         FROM unnest($2::uuid[], $3::int[], $4::numeric[], $5::numeric[], $6::text[]) AS u(id, filled, amount, released, reason)
        WHERE o.id = u.id
        RETURNING o.id, o.updated_at`,
      [
        status,
        orders.map((o) => o.id),
        orders.map((o) => o.filledQuantity),
        orders.map((o) => o.filledAmount.toFixed(2)),
        orders.map((o) => o.holdReleased.toFixed(2)),
        orders.map((o) => o.statusReason),
      ],
    );
    const updatedAt = new Map(written.map((row) => [row.id, row.updated_at]));
    for (const order of orders) order.updatedAt = updatedAt.get(order.id) ?? order.updatedAt;
    if (!later) await this.giveBack(em, pending);
  }

  /** Gives back export headroom, then credit: the last locks of the caller's transaction. */
  async giveBack(em: EntityManager, pending: GiveBack): Promise<void> {
    await this.compliance.releaseMany(em, pending.usage);
    await this.credit.releaseMany(em, pending.credit);
  }
}
