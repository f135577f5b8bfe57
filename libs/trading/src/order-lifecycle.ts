import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ComplianceService } from '@gpupool/compliance';
import { PartnerCreditService } from '@gpupool/identity';
import { Decimal } from '@gpupool/platform';
import { holdFor } from './credit-hold';
import { Order, OrderStatusValue } from './order.entity';

export type EndStatus = Extract<OrderStatusValue, 'CANCELLED' | 'EXPIRED'>;

/**
 * Ends orders with a remainder (cancel, expiry, IOC/FOK rests, export blocks): the status, the
 * unused credit hold and the unfilled units of export headroom go back, in the caller's
 * transaction. The caller holds the orders' row locks.
 */
@Injectable()
export class OrderLifecycle {
  constructor(
    private readonly credit: PartnerCreditService,
    private readonly compliance: ComplianceService,
  ) {}

  async end(em: EntityManager, orders: Order[], status: EndStatus, reasonOf: (order: Order) => string | null): Promise<void> {
    if (orders.length === 0) return;
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
      return { id: order.id, released: released.toFixed(2), reason: order.statusReason };
    });
    await em.query(
      `UPDATE orders o SET status = $1, status_reason = u.reason, hold_released = u.released::numeric, resting = true, updated_at = now()
       FROM jsonb_to_recordset($2::jsonb) AS u(id uuid, released text, reason text) WHERE o.id = u.id`,
      [status, JSON.stringify(rows)],
    );
    // Locks in one order everywhere (export usage, then partners, each sorted) so concurrent runs cannot deadlock.
    for (const usage of [...units.values()].sort((a, b) => `${a.partnerId}|${a.skuCode}`.localeCompare(`${b.partnerId}|${b.skuCode}`))) {
      if (usage.units > 0) await this.compliance.release(em, usage.partnerId, usage.skuCode, usage.units);
    }
    for (const [partnerId, amount] of [...credit.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      if (amount.gt(0)) await this.credit.release(em, partnerId, amount);
    }
  }
}
