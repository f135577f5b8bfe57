import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ComplianceService } from '@gpupool/compliance';
import { PartnerCreditService, PartnerService } from '@gpupool/identity';
import { CatalogService, InventoryService } from '@gpupool/inventory';
import { AuthPrincipal, isUuid, MatchTrigger, NotFoundError } from '@gpupool/platform';
import { holdFor } from './credit-hold';
import { OrderEvents } from './order-events';
import { OrderLifecycle } from './order-lifecycle';
import { OPEN_STATUSES, Order } from './order.entity';
import { expiryNotInFuture, idempotencyKeyReused, marketNotOffered, orderNotCancellable, unknownCode } from './trading.errors';
import { PlaceOrderInput } from './trading.models';

/** The same order again: every field of the payload equal, decimals by value. */
function samePayload(order: Order, input: PlaceOrderInput): boolean {
  return (
    order.skuCode === input.skuCode &&
    order.regionCode === input.regionCode &&
    order.quantity === input.quantity &&
    order.limitPrice.eq(input.limitPrice) &&
    order.timeInForce === input.timeInForce &&
    (order.expiresAt?.getTime() ?? null) === (input.expiresAt?.getTime() ?? null)
  );
}

/** Placing and cancelling orders: credit, export headroom and the order row commit together. */
@Injectable()
export class OrderService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly catalog: CatalogService,
    private readonly inventory: InventoryService,
    private readonly partners: PartnerService,
    private readonly credit: PartnerCreditService,
    private readonly compliance: ComplianceService,
    private readonly lifecycle: OrderLifecycle,
    private readonly matchTrigger: MatchTrigger,
    private readonly events: OrderEvents,
  ) {}

  async place(principal: AuthPrincipal, input: PlaceOrderInput): Promise<Order> {
    const partnerId = principal.partnerId!;
    // Idempotency first, whatever changed since the first request.
    const existing = await this.byClientOrderId(partnerId, input.clientOrderId);
    if (existing) return this.replay(existing, input);
    let order: Order;
    try {
      order = await this.dataSource.transaction((em) => this.insert(em, partnerId, input));
    } catch (error) {
      // A concurrent request with the same key committed first: its order is the answer
      // (this request may have failed on the unique key, or on credit the other one took).
      const winner = await this.byClientOrderId(partnerId, input.clientOrderId);
      if (winner) return this.replay(winner, input);
      throw error;
    }
    await this.matchTrigger.request([order.marketId]);
    await this.events.publish([{ type: 'PLACED', orderId: order.id, partnerId }]);
    return order;
  }

  private replay(order: Order, input: PlaceOrderInput): Order {
    if (!samePayload(order, input)) throw idempotencyKeyReused(input.clientOrderId);
    return order;
  }

  private async insert(em: EntityManager, partnerId: string, input: PlaceOrderInput): Promise<Order> {
    const market = await this.inventory.findMarket(input.skuCode, input.regionCode, em);
    if (!market) {
      const [skus, regions] = await Promise.all([this.catalog.skus(), this.catalog.regions()]);
      if (!skus.some((s) => s.code === input.skuCode)) throw unknownCode('SKU', input.skuCode);
      if (!regions.some((r) => r.code === input.regionCode)) throw unknownCode('region', input.regionCode);
    }
    if (!market?.askPrice) throw marketNotOffered(input.skuCode, input.regionCode);
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw expiryNotInFuture(input.expiresAt);
    const [partner] = await this.partners.findByIds([partnerId], em);
    if (!partner) throw new NotFoundError('Partner', partnerId);
    await this.compliance.reserve(em, partner, input.skuCode, input.quantity);
    const holdAmount = holdFor(input.quantity, input.limitPrice, partner.taxRatePercent);
    await this.credit.hold(em, partnerId, holdAmount);
    return em.save(
      em.create(Order, {
        partnerId,
        clientOrderId: input.clientOrderId,
        marketId: market.id,
        skuCode: input.skuCode,
        regionCode: input.regionCode,
        quantity: input.quantity,
        limitPrice: input.limitPrice,
        timeInForce: input.timeInForce,
        expiresAt: input.expiresAt ?? null,
        taxRatePercent: partner.taxRatePercent,
        holdAmount,
      }),
    );
  }

  async cancel(principal: AuthPrincipal, id: string): Promise<Order> {
    if (!isUuid(id)) throw new NotFoundError('Order', id);
    const order = await this.dataSource.transaction(async (em) => {
      const mine = await em.findOneBy(Order, { id, partnerId: principal.partnerId! });
      if (!mine) throw new NotFoundError('Order', id);
      // The market's lock first, as a match run takes it: a cancel waits for a run of its market
      // instead of holding the order while the run holds the export usage and credit it needs.
      await this.inventory.lockMarket(em, mine.marketId);
      const found = await em.findOneOrFail(Order, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!(OPEN_STATUSES as readonly string[]).includes(found.status)) throw orderNotCancellable(id, found.status);
      await this.lifecycle.end(em, [found], 'CANCELLED', () => 'cancelled by the partner');
      return found;
    });
    await this.events.publish([{ type: 'CANCELLED', orderId: order.id, partnerId: order.partnerId }]);
    return order;
  }

  private byClientOrderId(partnerId: string, clientOrderId: string): Promise<Order | null> {
    return this.dataSource.getRepository(Order).findOneBy({ partnerId, clientOrderId });
  }
}
