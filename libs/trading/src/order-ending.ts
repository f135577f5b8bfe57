import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ComplianceService, UsageRelease } from '@gpupool/compliance';
import { PartnerCreditService } from '@gpupool/identity';
import { Decimal } from '@gpupool/platform';
import { holdFor } from './credit-hold';
import { Order } from './order.entity';
import { OrderRepository } from './order.repository';
import { EndStatus, nextStatus } from './order-status';

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
 * final state (with what it filled in the caller's run) through `OrderRepository.writeStates`, and gives back the
 * unused credit hold and the unfilled units of export headroom, in the caller's transaction. The
 * caller holds the lock of the orders' market, under which every change of an open order is made.
 */
@Injectable()
export class OrderEnding {
  constructor(
    private readonly orders: OrderRepository,
    private readonly credit: PartnerCreditService,
    private readonly compliance: ComplianceService,
  ) {}

  /**
   * Ends `orders` at `at` (the time of the caller's transaction, as its other writes have it); with
   * `later`, what they give back is added to it for the caller to give back (with `giveBack`) once
   * its other writes are done, else it is given back now.
   */
  async end(
    em: EntityManager,
    orders: Order[],
    status: EndStatus,
    reasonOf: (order: Order) => string | null,
    at: Date,
    later?: GiveBack,
  ): Promise<void> {
    if (orders.length === 0) return;
    const pending = later ?? new GiveBack();
    for (const order of orders) {
      const released = order.holdAmount.minus(holdFor(order.filledQuantity, order.limitPrice, order.taxRatePercent));
      pending.add(order, released);
      order.status = nextStatus(order.status, status);
      order.statusReason = reasonOf(order);
      order.holdReleased = released;
    }
    await this.orders.writeStates(em, orders, at);
    if (!later) await this.giveBack(em, pending);
  }

  /** Gives back export headroom, then credit: the last locks of the caller's transaction. */
  async giveBack(em: EntityManager, pending: GiveBack): Promise<void> {
    await this.compliance.releaseMany(em, pending.usage);
    await this.credit.releaseMany(em, pending.credit);
  }
}
