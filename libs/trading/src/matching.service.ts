import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ComplianceService } from '@gpupool/compliance';
import { PartnerService } from '@gpupool/identity';
import { InventoryService } from '@gpupool/inventory';
import { Decimal, SettlementTrigger } from '@gpupool/platform';
import { fillHoldPart } from './credit-hold';
import { BookOrder, MatchFill, matchMarket, MatchOutcome } from './matching';
import { OrderEventMessage, OrderEvents } from './order-events';
import { OrderLifecycle } from './order-lifecycle';
import { Order } from './order.entity';

const PAGE = 5000;

export interface MatchRunSummary {
  fills: number;
  unitsSold: number;
  ended: number;
}

const toBook = (order: Order): BookOrder => ({
  id: order.id,
  partnerId: order.partnerId,
  limitPrice: order.limitPrice,
  remaining: order.remainingQuantity,
  timeInForce: order.timeInForce,
  resting: order.resting,
});

const chunks = <T>(items: T[], size = PAGE) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/**
 * One match run of a market: lock the market (so runs of one market never overlap, whichever
 * worker has the job), expire, load the book, call the pure matcher, write fills and order
 * states and the units sold, all in one transaction; then queue settlement and publish events.
 */
@Injectable()
export class MatchingService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly inventory: InventoryService,
    private readonly partners: PartnerService,
    private readonly compliance: ComplianceService,
    private readonly lifecycle: OrderLifecycle,
    private readonly settlementTrigger: SettlementTrigger,
    private readonly events: OrderEvents,
  ) {}

  async run(marketId: string): Promise<MatchRunSummary> {
    const events: OrderEventMessage[] = [];
    const fillIds: string[] = [];
    const summary = await this.dataSource.transaction(async (em) => {
      const market = await this.inventory.lockMarket(em, marketId);
      const ended = await this.expire(em, marketId, events);
      const blocked = new Map<string, string>();
      const checked = new Set<string>();
      const checkPartners = async (orders: Order[]) => {
        const fresh = [...new Set(orders.map((o) => o.partnerId))].filter((id) => !checked.has(id));
        for (const partner of await this.partners.findByIds(fresh, em)) {
          checked.add(partner.id);
          const reason = await this.compliance.recheck(em, partner, market.sku.code);
          if (reason) blocked.set(partner.id, reason);
        }
      };

      let available = market.availableUnits;
      const touched = new Map<string, Order>();
      const fills: { order: Order; fill: MatchFill }[] = [];
      const outcomes: { order: Order; outcome: MatchOutcome }[] = [];
      const apply = (orders: Order[], result: ReturnType<typeof matchMarket>) => {
        const byId = new Map(orders.map((o) => [o.id, o]));
        for (const fill of result.fills) fills.push({ order: byId.get(fill.orderId)!, fill });
        for (const outcome of result.outcomes) outcomes.push({ order: byId.get(outcome.orderId)!, outcome });
        available -= result.unitsSold;
      };

      // Phase 1: supply meets resting bids, page by page while units last.
      if (market.askPrice && available > 0) {
        let after: Order | undefined;
        for (;;) {
          const page = await this.restingPage(em, marketId, market.askPrice, after);
          await checkPartners(page);
          const result = matchMarket({ askPrice: market.askPrice, availableUnits: available, resting: page.map(toBook), incoming: [], blocked });
          apply(page, result);
          after = page.at(-1);
          if (page.length < PAGE || available === 0) break;
        }
      }
      // Phase 2: bids not yet through a run meet the ask, in arrival order.
      const incoming = await em
        .createQueryBuilder(Order, 'o')
        .setLock('pessimistic_write')
        .where(`o.market_id = :marketId AND o.status IN ('OPEN', 'PARTIALLY_FILLED') AND NOT o.resting`, { marketId })
        .orderBy('o.seq', 'ASC')
        .getMany();
      await checkPartners(incoming);
      apply(incoming, matchMarket({ askPrice: market.askPrice, availableUnits: available, resting: [], incoming: incoming.map(toBook), blocked }));
      for (const order of incoming) touched.set(order.id, order);

      // Fills: each takes its part of the order's credit hold.
      const fillRows = fills.map(({ order, fill }) => {
        const holdAmount = fillHoldPart(order.filledQuantity, fill.quantity, order.limitPrice, order.taxRatePercent);
        order.filledQuantity += fill.quantity;
        order.filledAmount = order.filledAmount.plus(fill.price.times(fill.quantity));
        order.status = order.filledQuantity === order.quantity ? 'FILLED' : 'PARTIALLY_FILLED';
        order.statusReason = null;
        touched.set(order.id, order);
        return { order, fill, holdAmount };
      });
      for (const { order, outcome } of outcomes) {
        if (!outcome.cancelRemainder && order.resting && !touched.has(order.id)) continue; // still waiting, nothing new
        order.statusReason = outcome.reason;
        touched.set(order.id, order);
      }
      for (const batch of chunks(fillRows)) {
        const inserted: { id: string; order_id: string }[] = await em.query(
          `INSERT INTO fill (order_id, partner_id, market_id, sku_code, region_code, quantity, price, amount, hold_amount)
           SELECT f.order_id, f.partner_id, $1, $2, $3, f.quantity, f.price::numeric, f.quantity * f.price::numeric, f.hold::numeric
           FROM jsonb_to_recordset($4::jsonb) AS f(order_id uuid, partner_id uuid, quantity int, price text, hold text)
           RETURNING id, order_id`,
          [
            marketId,
            market.sku.code,
            market.region.code,
            JSON.stringify(
              batch.map(({ order, fill, holdAmount }) => ({
                order_id: order.id,
                partner_id: order.partnerId,
                quantity: fill.quantity,
                price: fill.price.toFixed(2),
                hold: holdAmount.toFixed(2),
              })),
            ),
          ],
        );
        const orderOf = new Map(batch.map(({ order }) => [order.id, order]));
        for (const row of inserted) {
          const order = orderOf.get(row.order_id)!;
          fillIds.push(row.id);
          events.push({ type: order.status as 'FILLED' | 'PARTIALLY_FILLED', orderId: order.id, partnerId: order.partnerId, fillId: row.id });
        }
      }
      for (const batch of chunks([...touched.values()])) {
        await em.query(
          `UPDATE orders o SET filled_quantity = u.filled, filled_amount = u.amount::numeric, status = u.status,
             status_reason = u.reason, resting = true, updated_at = now()
           FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, filled int, amount text, status text, reason text) WHERE o.id = u.id`,
          [
            JSON.stringify(
              batch.map((o) => ({ id: o.id, filled: o.filledQuantity, amount: o.filledAmount.toFixed(2), status: o.status, reason: o.statusReason })),
            ),
          ],
        );
      }
      const ending = outcomes.filter(({ outcome }) => outcome.cancelRemainder).map(({ order }) => order);
      const reasons = new Map(outcomes.map(({ order, outcome }) => [order.id, outcome.reason]));
      await this.lifecycle.end(em, ending, 'CANCELLED', (order) => reasons.get(order.id) ?? null);
      for (const order of ending) events.push({ type: 'CANCELLED', orderId: order.id, partnerId: order.partnerId });

      const unitsSold = market.availableUnits - available;
      if (unitsSold > 0) await this.inventory.commitUnits(em, marketId, unitsSold);
      return { fills: fillRows.length, unitsSold, ended: ended + ending.length };
    });
    await this.settlementTrigger.request(fillIds);
    await this.events.publish(events);
    return summary;
  }

  private restingPage(em: EntityManager, marketId: string, ask: Decimal, after?: Order): Promise<Order[]> {
    const query = em
      .createQueryBuilder(Order, 'o')
      .setLock('pessimistic_write')
      .where(`o.market_id = :marketId AND o.status IN ('OPEN', 'PARTIALLY_FILLED') AND o.resting AND o.limit_price >= :ask`, {
        marketId,
        ask: ask.toFixed(2),
      });
    if (after) {
      query.andWhere('(o.limit_price < :limit OR (o.limit_price = :limit AND o.seq > :seq))', { limit: after.limitPrice.toFixed(2), seq: after.seq });
    }
    return query.orderBy('o.limit_price', 'DESC').addOrderBy('o.seq', 'ASC').take(PAGE).getMany();
  }

  /** Ends the market's open orders whose expiry has passed. */
  private async expire(em: EntityManager, marketId: string, events: OrderEventMessage[]): Promise<number> {
    const expired = await em
      .createQueryBuilder(Order, 'o')
      .setLock('pessimistic_write')
      .where(`o.market_id = :marketId AND o.status IN ('OPEN', 'PARTIALLY_FILLED') AND o.expires_at <= now()`, { marketId })
      .getMany();
    await this.lifecycle.end(em, expired, 'EXPIRED', (order) => `expired at ${order.expiresAt!.toISOString()}`);
    for (const order of expired) events.push({ type: 'EXPIRED', orderId: order.id, partnerId: order.partnerId });
    return expired.length;
  }
}

