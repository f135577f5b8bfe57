import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { exportRefusal } from '@gpupool/compliance';
import { creditRefusal } from '@gpupool/identity';
import { InventoryService } from '@gpupool/inventory';
import { AuthPrincipal, isUuid, NotFoundError, retryOnConflict, transactionWithRetry } from '@gpupool/platform';
import { MatchTrigger } from './match-trigger';
import { orderEventOf, OrderEvents } from './order-events';
import { OrderEnding } from './order-ending';
import { Order } from './order.entity';
import { OrderRepository } from './order.repository';
import { isOpen } from './order-status';
import { expiryNotInFuture, idempotencyKeyReused, marketNotOffered, orderNotCancellable } from './trading.errors';
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

/**
 * Placing and cancelling orders. placeOrder is one autocommit statement on its way to a new order
 * (`OrderRepository.place`: the order, its export headroom and its credit hold commit together or
 * not at all); replays and refusals read what they need to explain.
 */
@Injectable()
export class OrderService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly orders: OrderRepository,
    private readonly inventory: InventoryService,
    private readonly ending: OrderEnding,
    private readonly matchTrigger: MatchTrigger,
    private readonly events: OrderEvents,
  ) {}

  async place(principal: AuthPrincipal, input: PlaceOrderInput): Promise<Order> {
    const partnerId = principal.partnerId!;
    const order = await retryOnConflict(() => this.orders.place(partnerId, input)).catch((error: unknown) => {
      throw exportRefusal(error) ?? creditRefusal(error) ?? error;
    });
    // Nothing written: the key's order is the answer (idempotency before anything else), else say what is wrong.
    if (!order) return this.replayOrRefuse(this.dataSource.manager, partnerId, input);
    await Promise.all([this.matchTrigger.request([order.marketId]), this.events.publish([orderEventOf('PLACED', order)])]);
    return order;
  }

  private async replayOrRefuse(em: EntityManager, partnerId: string, input: PlaceOrderInput): Promise<Order> {
    const existing = await this.orders.byClientOrderId(em, partnerId, input.clientOrderId);
    if (existing) {
      if (!samePayload(existing, input)) throw idempotencyKeyReused(input.clientOrderId);
      return existing;
    }
    const market = await this.inventory.findMarket(input.skuCode, input.regionCode, em);
    if (!market) await this.inventory.requireCatalogCodes(input.skuCode, input.regionCode, em);
    if (!market?.askPrice) throw marketNotOffered(input.skuCode, input.regionCode);
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw expiryNotInFuture(input.expiresAt);
    throw new NotFoundError('Partner', partnerId);
  }

  async cancel(principal: AuthPrincipal, id: string): Promise<Order> {
    if (!isUuid(id)) throw new NotFoundError('Order', id);
    const order = await transactionWithRetry(this.dataSource, async (em) => {
      const mine = await this.orders.byId(id, principal.partnerId!, em);
      if (!mine) throw new NotFoundError('Order', id);
      // The market's lock first, as a match run takes it: every change of an open order is made under it.
      const market = await this.inventory.lockMarket(em, mine.marketId);
      const found = (await this.orders.byId(id, undefined, em))!;
      if (!isOpen(found.status)) throw orderNotCancellable(id, found.status);
      await this.ending.end(em, [found], 'CANCELLED', () => 'cancelled by the partner', market.asOf);
      return found;
    });
    await this.events.publish([orderEventOf('CANCELLED', order)]);
    return order;
  }
}
