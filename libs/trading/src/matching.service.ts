import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ComplianceService, ExportRule } from '@gpupool/compliance';
import { PartnerService } from '@gpupool/identity';
import { InventoryService, MarketView } from '@gpupool/inventory';
import { Decimal, SettlementTrigger } from '@gpupool/platform';
import { fillHoldPart } from './credit-hold';
import { BookOrder, MatchFill, matchMarket, MatchOutcome, MatchResult } from './matching';
import { OrderEventMessage, OrderEvents } from './order-events';
import { OrderLifecycle } from './order-lifecycle';
import { Order, OrderStatusValue, TimeInForceValue } from './order.entity';

/** Rows read and written per statement. */
const BATCH = 10_000;

export interface MatchRunSummary {
  fills: number;
  unitsSold: number;
  ended: number;
}

/** The columns of an open order a run needs. */
interface OrderRow {
  id: string;
  seq: string;
  partner_id: string;
  sku_code: string;
  quantity: number;
  filled_quantity: number;
  limit_price: string;
  filled_amount: string;
  time_in_force: TimeInForceValue;
  expires_at: Date | null;
  status: OrderStatusValue;
  resting: boolean;
  tax_rate_percent: string;
  hold_amount: string;
}

const ORDER_COLUMNS = `o.id, o.seq, o.partner_id, o.sku_code, o.quantity, o.filled_quantity, o.limit_price, o.filled_amount,
  o.time_in_force, o.expires_at, o.status, o.resting, o.tax_rate_percent, o.hold_amount`;
const OPEN = `o.status IN ('OPEN', 'PARTIALLY_FILLED')`;

/** An open order as a run sees it; its reason starts empty, since a run writes the reason it gives now, or none. */
const toOrder = (row: OrderRow): Order =>
  Object.assign(new Order(), {
    id: row.id,
    seq: row.seq,
    partnerId: row.partner_id,
    skuCode: row.sku_code,
    quantity: row.quantity,
    filledQuantity: row.filled_quantity,
    limitPrice: new Decimal(row.limit_price),
    filledAmount: new Decimal(row.filled_amount),
    timeInForce: row.time_in_force,
    expiresAt: row.expires_at,
    status: row.status,
    statusReason: null,
    resting: row.resting,
    taxRatePercent: new Decimal(row.tax_rate_percent),
    holdAmount: new Decimal(row.hold_amount),
  });

const toBook = (order: Order): BookOrder => ({
  id: order.id,
  partnerId: order.partnerId,
  limitPrice: order.limitPrice,
  remaining: order.remainingQuantity,
  timeInForce: order.timeInForce,
  resting: order.resting,
});

const batches = <T>(items: T[]) =>
  Array.from({ length: Math.ceil(items.length / BATCH) }, (_, i) => items.slice(i * BATCH, (i + 1) * BATCH));

/**
 * One match run of a market, in one transaction: lock the market (so runs of one market never
 * overlap, whichever worker has the job), end expired orders and those of partners who may no
 * longer trade its SKU, load the book, call the pure matcher, write order states, fills and the
 * units sold; then queue settlement and publish events.
 *
 * Every change of an open order is made under its market's lock (here, and in OrderService.cancel),
 * so a run reads its book without row locks. Locks are taken in one order everywhere: the market,
 * export usage, then partners (each sorted), so a run never deadlocks with placing or cancelling.
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
      const expired = await this.openOrders(em, marketId, 'o.expires_at <= now()');
      await this.end(em, expired, 'EXPIRED', (order) => `expired at ${order.expiresAt!.toISOString()}`, events);
      const blocked = await this.blockedPartners(em, market);
      const barred = blocked.size > 0 ? await this.openOrders(em, marketId, 'o.partner_id = ANY($2::uuid[])', [[...blocked.keys()]]) : [];
      await this.end(em, barred, 'CANCELLED', (order) => blocked.get(order.partnerId)!, events);

      let available = market.availableUnits;
      const fills: { order: Order; fill: MatchFill }[] = [];
      const outcomes: { order: Order; outcome: MatchOutcome }[] = [];
      const apply = (orders: Order[], result: MatchResult) => {
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
          apply(
            page,
            matchMarket({ askPrice: market.askPrice, availableUnits: available, resting: page.map(toBook), incoming: [], blocked }),
          );
          after = page.at(-1);
          if (page.length < BATCH || available === 0) break;
        }
      }
      // Phase 2: bids not yet through a run meet the ask, in arrival order.
      const incoming = await this.openOrders(em, marketId, 'NOT o.resting');
      apply(
        incoming,
        matchMarket({ askPrice: market.askPrice, availableUnits: available, resting: [], incoming: incoming.map(toBook), blocked }),
      );

      // Each fill takes its part of the order's credit hold; every order seen for the first time,
      // filled or given a new reason is written back.
      const touched = new Set(incoming);
      const fillRows = fills.map(({ order, fill }) => {
        const holdAmount = fillHoldPart(order.filledQuantity, fill.quantity, order.limitPrice, order.taxRatePercent);
        order.filledQuantity += fill.quantity;
        order.filledAmount = order.filledAmount.plus(fill.price.times(fill.quantity));
        const event = order.filledQuantity === order.quantity ? ('FILLED' as const) : ('PARTIALLY_FILLED' as const);
        order.status = event;
        touched.add(order);
        return { id: randomUUID(), order, fill, holdAmount, event };
      });
      for (const { order, outcome } of outcomes) {
        if (!outcome.cancelRemainder && order.resting && !touched.has(order)) continue; // still waiting, nothing new
        order.statusReason = outcome.reason;
        touched.add(order);
      }

      // Ending takes export usage, then partners; the fills' partners are locked in the same
      // sorted pass, before the fills reference them. Each order row is written once: a second
      // update in one transaction would re-check its foreign keys (locking the partner again).
      const ending = new Set(outcomes.filter(({ outcome }) => outcome.cancelRemainder).map(({ order }) => order));
      await this.end(
        em,
        [...ending],
        'CANCELLED',
        (order) => order.statusReason,
        events,
        fillRows.map(({ order }) => order.partnerId),
      );
      for (const batch of batches([...touched].filter((order) => !ending.has(order)))) await this.writeStates(em, batch);
      for (const batch of batches(fillRows)) {
        await this.insertFills(em, market, batch);
        for (const { id, order, event } of batch) {
          fillIds.push(id);
          events.push({ type: event, orderId: order.id, partnerId: order.partnerId, fillId: id });
        }
      }

      const unitsSold = market.availableUnits - available;
      if (unitsSold > 0) await this.inventory.commitUnits(em, marketId, unitsSold);
      return { fills: fillRows.length, unitsSold, ended: expired.length + barred.length + ending.size };
    });
    await this.settlementTrigger.request(fillIds);
    await this.events.publish(events);
    return summary;
  }

  /** The market's open orders matching `condition`, in arrival order. */
  private async openOrders(em: EntityManager, marketId: string, condition: string, parameters: unknown[] = []): Promise<Order[]> {
    const rows: OrderRow[] = await em.query(
      `SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.market_id = $1 AND ${OPEN} AND ${condition} ORDER BY o.seq`,
      [marketId, ...parameters],
    );
    return rows.map(toOrder);
  }

  /** Resting bids at or above the ask, best first (highest limit, then earliest), after `after`. */
  private async restingPage(em: EntityManager, marketId: string, ask: Decimal, after?: Order): Promise<Order[]> {
    // `limit_price <= after` bounds the index scan, so each page starts where the last one ended.
    const keyset = after ? 'AND o.limit_price <= $3 AND (o.limit_price < $3 OR o.seq > $4)' : '';
    const rows: OrderRow[] = await em.query(
      `SELECT ${ORDER_COLUMNS} FROM orders o
        WHERE o.market_id = $1 AND ${OPEN} AND o.resting AND o.limit_price >= $2 ${keyset}
        ORDER BY o.limit_price DESC, o.seq
        LIMIT ${BATCH}`,
      after ? [marketId, ask.toFixed(2), after.limitPrice.toFixed(2), after.seq] : [marketId, ask.toFixed(2)],
    );
    return rows.map(toOrder);
  }

  /** Ends orders with a remainder and records their events. */
  private async end(
    em: EntityManager,
    orders: Order[],
    status: 'CANCELLED' | 'EXPIRED',
    reasonOf: (order: Order) => string | null,
    events: OrderEventMessage[],
    alsoLock: string[] = [],
  ): Promise<void> {
    await this.lifecycle.end(em, orders, status, reasonOf, { alsoLock });
    for (const order of orders) events.push({ type: status, orderId: order.id, partnerId: order.partnerId });
  }

  /**
   * Partners with open orders in the market that may no longer trade its SKU, with the reason: the
   * export to their country became prohibited, or their unexpired licenses no longer cover their
   * usage. Only partners of countries with a rule other than ALLOWED can be blocked; they are
   * checked in id order, so concurrent runs lock their export usage in one order.
   */
  private async blockedPartners(em: EntityManager, market: MarketView): Promise<Map<string, string>> {
    const blocked = new Map<string, string>();
    const rows: { partner_id: string }[] = await em.query(`SELECT DISTINCT o.partner_id FROM orders o WHERE o.market_id = $1 AND ${OPEN}`, [
      market.id,
    ]);
    if (rows.length === 0) return blocked;
    const partners = await this.partners.findByIds(
      rows.map((r) => r.partner_id),
      em,
    );
    const ruleOf = new Map<string, ExportRule>();
    for (const country of new Set(partners.map((p) => p.countryCode))) {
      ruleOf.set(country, await this.compliance.ruleFor(em, market.sku.code, country));
    }
    const restricted = partners.filter((p) => ruleOf.get(p.countryCode) !== ExportRule.ALLOWED).sort((a, b) => a.id.localeCompare(b.id));
    for (const partner of restricted) {
      const reason = await this.compliance.recheck(em, partner, market.sku.code);
      if (reason) blocked.set(partner.id, reason);
    }
    return blocked;
  }

  /** Writes what a run changed of orders that go on: filled so far, status, why they wait; all have now been through a run. */
  private async writeStates(em: EntityManager, orders: Order[]): Promise<void> {
    await em.query(
      `UPDATE orders o SET filled_quantity = u.filled, filled_amount = u.amount, status = u.status, status_reason = u.reason,
              resting = true, updated_at = now()
         FROM unnest($1::uuid[], $2::int[], $3::numeric[], $4::text[], $5::text[]) AS u(id, filled, amount, status, reason)
        WHERE o.id = u.id`,
      [
        orders.map((o) => o.id),
        orders.map((o) => o.filledQuantity),
        orders.map((o) => o.filledAmount.toFixed(2)),
        orders.map((o) => o.status),
        orders.map((o) => o.statusReason),
      ],
    );
  }

  /** Inserts fills with the ids given to them here. */
  private async insertFills(
    em: EntityManager,
    market: MarketView,
    rows: { id: string; order: Order; fill: MatchFill; holdAmount: Decimal }[],
  ): Promise<void> {
    await em.query(
      `INSERT INTO fill (id, order_id, partner_id, market_id, sku_code, region_code, quantity, price, amount, hold_amount)
       SELECT f.id, f.order_id, f.partner_id, $1, $2, $3, f.quantity, f.price, f.quantity * f.price, f.hold
         FROM unnest($4::uuid[], $5::uuid[], $6::uuid[], $7::int[], $8::numeric[], $9::numeric[]) AS f(id, order_id, partner_id, quantity, price, hold)`,
      [
        market.id,
        market.sku.code,
        market.region.code,
        rows.map(({ id }) => id),
        rows.map(({ order }) => order.id),
        rows.map(({ order }) => order.partnerId),
        rows.map(({ fill }) => fill.quantity),
        rows.map(({ fill }) => fill.price.toFixed(2)),
        rows.map(({ holdAmount }) => holdAmount.toFixed(2)),
      ],
    );
  }
}
