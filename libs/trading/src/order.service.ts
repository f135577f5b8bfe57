import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ComplianceService } from '@gpupool/compliance';
import { PartnerCreditService } from '@gpupool/identity';
import { InventoryService } from '@gpupool/inventory';
import { AuthPrincipal, isUuid, NotFoundError, PreparedStatement, runPrepared, transactionWithRetry } from '@gpupool/platform';
import { MatchTrigger } from './match-trigger';
import { orderEventOf, OrderEvents } from './order-events';
import { OrderEnding } from './order-ending';
import { ORDER_COLUMNS, orderFromRow, OrderRow } from './order-row';
import { Order } from './order.entity';
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
 * The order insert of placeOrder, in one statement: the market (offered) and the partner's tax
 * rate and country are read in it, the hold is computed from them exactly (quantity × limit ×
 * (1 + tax), rounded up to the fen), and the unique (partner, clientOrderId) key decides
 * idempotency: on a conflict nothing is inserted and nothing returned.
 */
const INSERT_ORDER: PreparedStatement = {
  name: 'place-order',
  text: `
  WITH facts AS (
    SELECT m.id AS market_id, p.tax_rate_percent, p.country_code
      FROM market m JOIN sku s ON s.id = m.sku_id JOIN region r ON r.id = m.region_id, partner p
     WHERE s.code = $3 AND r.code = $4 AND m.ask_price IS NOT NULL AND p.id = $1
       AND ($8::timestamptz IS NULL OR $8::timestamptz > now())
  ), placed AS (
    INSERT INTO orders AS o (partner_id, client_order_id, market_id, sku_code, region_code, quantity, limit_price, time_in_force,
                             expires_at, tax_rate_percent, hold_amount)
    SELECT $1, $2, f.market_id, $3, $4, $5::int, $6::numeric, $7, $8::timestamptz, f.tax_rate_percent,
           ceil($5::int * $6::numeric * (1 + f.tax_rate_percent / 100) * 100) / 100
      FROM facts f
    ON CONFLICT ON CONSTRAINT orders_partner_client_order_id DO NOTHING
    RETURNING ${ORDER_COLUMNS}
  )
  SELECT placed.*, f.country_code FROM placed, facts f`,
};

/**
 * Placing and cancelling orders: credit, export headroom and the order row commit together.
 * placeOrder is five statements on its way to a new order (BEGIN, the order insert, the export
 * headroom, the credit hold, COMMIT), the middle three prepared once per connection; replays and
 * refusals read what they need to explain.
 */
@Injectable()
export class OrderService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly inventory: InventoryService,
    private readonly credit: PartnerCreditService,
    private readonly compliance: ComplianceService,
    private readonly ending: OrderEnding,
    private readonly matchTrigger: MatchTrigger,
    private readonly events: OrderEvents,
  ) {}

  async place(principal: AuthPrincipal, input: PlaceOrderInput): Promise<Order> {
    const partnerId = principal.partnerId!;
    const { order, placed } = await transactionWithRetry(this.dataSource, (em) => this.insert(em, partnerId, input));
    if (!placed) return order;
    await Promise.all([this.matchTrigger.request([order.marketId]), this.events.publish([orderEventOf('PLACED', order)])]);
    return order;
  }

  private async insert(em: EntityManager, partnerId: string, input: PlaceOrderInput): Promise<{ order: Order; placed: boolean }> {
    const {
      rows: [row],
    } = await runPrepared<OrderRow & { country_code: string }>(em, INSERT_ORDER, [
      partnerId,
      input.clientOrderId,
      input.skuCode,
      input.regionCode,
      input.quantity,
      input.limitPrice.toFixed(),
      input.timeInForce,
      input.expiresAt ?? null,
    ]);
    // Nothing inserted: the key's order is the answer (idempotency before anything else), else say what is wrong.
    if (!row) return { order: await this.replayOrRefuse(em, partnerId, input), placed: false };
    const order = orderFromRow(row);
    await this.compliance.reserve(em, { id: partnerId, countryCode: row.country_code }, input.skuCode, input.quantity);
    await this.credit.hold(em, partnerId, order.holdAmount);
    return { order, placed: true };
  }

  private async replayOrRefuse(em: EntityManager, partnerId: string, input: PlaceOrderInput): Promise<Order> {
    const [existing]: OrderRow[] = await em.query(
      `SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.partner_id = $1 AND o.client_order_id = $2`,
      [partnerId, input.clientOrderId],
    );
    if (existing) {
      const order = orderFromRow(existing);
      if (!samePayload(order, input)) throw idempotencyKeyReused(input.clientOrderId);
      return order;
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
      const mine = await em.findOneBy(Order, { id, partnerId: principal.partnerId! });
      if (!mine) throw new NotFoundError('Order', id);
      // The market's lock first, as a match run takes it: every change of an open order is made under it.
      await this.inventory.lockMarket(em, mine.marketId);
      const found = await em.findOneOrFail(Order, { where: { id } });
      if (!isOpen(found.status)) throw orderNotCancellable(id, found.status);
      await this.ending.end(em, [found], 'CANCELLED', () => 'cancelled by the partner');
      return found;
    });
    await this.events.publish([orderEventOf('CANCELLED', order)]);
    return order;
  }
}
