import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ComplianceService } from '@gpupool/compliance';
import { PartnerCreditService } from '@gpupool/identity';
import { Decimal } from '@gpupool/platform';
import { holdFor } from './credit-hold';
import { Order, OrderStatusValue } from './order.entity';

export type EndStatus = Extract<OrderStatusValue, 'CANCELLED' | 'EXPIRED'>;

/**
 * Ends orders with a remainder (cancel, expiry, IOC/FOK rests, export blocks): writes each order's
 * final state (with what it filled in the caller's run), and the unused credit hold and the
 * unfilled units of export headroom go back, in the caller's transaction. The caller holds the
 * lock of the orders' market, under which every change of an open order is made.
 */
@Injectable()
export class OrderLifecycle {
  constructor(
    private readonly credit: PartnerCreditService,
    private readonly compliance: ComplianceService,
  ) {}

  /**
   * `alsoLock`: partners whose rows the caller references next (the partners of fills), locked
   * in the same sorted pass as those whose credit goes back.
   */
  async end(
    em: EntityManager,
    orders: Order[],
    status: EndStatus,
    reasonOf: (order: Order) => string | null,
    { alsoLock = [] }: { alsoLock?: readonly string[] } = {},
  ): Promise<void> {
    const credit = new Map<string, Decimal>();
    const units = new Map<string, { partnerId: string; skuCode: string; units: number }>();
    const rows = orders.map((order) => {
      const released = order.holdAmount.minus(holdFor(order.filledQuantity, order.limitPrice, order.taxRatePercent));
      credit.set(order.partnerId, (credit.get(order.partnerId) ?? new Decimal(0)).plus(released));
      const key = `${order.partnerId}|${order.skuCode}`;
      const usage = units.get(key) ?? { partnerId: order.partnerId, skuCode: order.skuCode, units: 0 };
      usage.units += order.remainingQuantity;
      units.set(key, usage);
      order.status = status;
      order.statusReason = reasonOf(order);
      order.holdReleased = released;
      return {
        id: order.id,
        filled: order.filledQuantity,
        amount: order.filledAmount.toFixed(2),
        released: released.toFixed(2),
        reason: order.statusReason,
      };
    });
    if (rows.length > 0) {
      await em.query(
        `UPDATE orders o SET status = $1, filled_quantity = u.filled, filled_amount = u.amount::numeric, status_reason = u.reason,
           hold_released = u.released::numeric, resting = true, updated_at = now()
         FROM jsonb_to_recordset($2::jsonb) AS u(id uuid, filled int, amount text, released text, reason text) WHERE o.id = u.id`,
        [status, JSON.stringify(rows)],
      );
    }
    // Locks in one order everywhere (export usage, then partners, each sorted) so concurrent runs cannot deadlock.
    for (const usage of [...units.values()].sort((a, b) => `${a.partnerId}|${a.skuCode}`.localeCompare(`${b.partnerId}|${b.skuCode}`))) {
      if (usage.units > 0) await this.compliance.release(em, usage.partnerId, usage.skuCode, usage.units);
    }
    for (const partnerId of [...new Set([...credit.keys(), ...alsoLock])].sort()) {
      const amount = credit.get(partnerId);
      if (amount?.gt(0)) await this.credit.release(em, partnerId, amount);
      else await this.credit.lockPartner(em, partnerId);
    }
  }
}
