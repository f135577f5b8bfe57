import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ComplianceService } from '@gpupool/compliance';
import { PartnerService } from '@gpupool/identity';
import { InventoryService, MarketView } from '@gpupool/inventory';
import { DomainEvents, transactionWithRetry } from '@gpupool/platform';
import { fillHoldPart } from './credit-hold';
import { Fill } from './fill.entity';
import { FillRepository } from './fill.repository';
import { FillsCommitted } from './fills-committed.event';
import { BookOrder, MatchFill, matchMarket, MatchOutcome, MatchResult } from './matching';
import { orderEventOf, OrderEventMessage, OrderEvents } from './order-events';
import { GiveBack, OrderEnding } from './order-ending';
import { Order } from './order.entity';
import { OrderRepository, RUN_BATCH } from './order.repository';
import { nextStatus, statusAfterFill } from './order-status';

export interface MatchRunSummary {
  fills: number;
  unitsSold: number;
  ended: number;
}

/** Open orders as a run sees them; their reason starts empty, since a run writes the reason it gives now, or none. */
const seen = (orders: Order[]): Order[] => orders.map((order) => Object.assign(order, { statusReason: null }));

const toBook = (order: Order): BookOrder => ({
  id: order.id,
  partnerId: order.partnerId,
  limitPrice: order.limitPrice,
  remaining: order.remainingQuantity,
  timeInForce: order.timeInForce,
  resting: order.resting,
});

const batches = <T>(items: T[]) =>
  Array.from({ length: Math.ceil(items.length / RUN_BATCH) }, (_, i) => items.slice(i * RUN_BATCH, (i + 1) * RUN_BATCH));

/**
 * One match run of a market, in one transaction: lock the market (so runs of one market never
 * overlap, whichever worker has the job), end expired orders and those of partners who may no
 * longer trade its SKU, load the book, call the pure matcher, write order states, fills and the
 * units sold set-based; then queue settlement in bulk and publish the run's events in bulk.
 *
 * Every change of an open order is made under its market's lock (here, and in OrderService.cancel),
 * so a run reads its book without row locks. The locks placeOrder also needs (export usage, then
 * partners, each in key order) are taken last, in one statement each, just before the commit, so
 * intake waits for them only as long as those two statements (lock order: libs/trading/README.md).
 * A run that lost a lock race is run again whole (retryOnConflict).
 */
@Injectable()
export class MatchingService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly orders: OrderRepository,
    private readonly fills: FillRepository,
    private readonly inventory: InventoryService,
    private readonly partners: PartnerService,
    private readonly compliance: ComplianceService,
    private readonly ending: OrderEnding,
    private readonly domainEvents: DomainEvents,
    private readonly events: OrderEvents,
  ) {}

  async run(marketId: string): Promise<MatchRunSummary> {
    const { summary, events, fillIds } = await transactionWithRetry(this.dataSource, (em) => this.runIn(em, marketId));
    if (fillIds.length > 0) await this.domainEvents.publish(new FillsCommitted(fillIds));
    await this.events.publish(events);
    return summary;
  }

  private async runIn(
    em: EntityManager,
    marketId: string,
  ): Promise<{ summary: MatchRunSummary; events: OrderEventMessage[]; fillIds: string[] }> {
    const events: OrderEventMessage[] = [];
    const giveBack = new GiveBack();
    const market = await this.inventory.lockMarket(em, marketId);
    const now = market.asOf;
    const expired = seen(await this.orders.expired(em, marketId));
    await this.end(em, expired, 'EXPIRED', (order) => `expired at ${order.expiresAt!.toISOString()}`, events, giveBack);
    const blocked = await this.blockedPartners(em, market);
    const barred = blocked.size > 0 ? seen(await this.orders.openOfPartners(em, marketId, [...blocked.keys()])) : [];
    await this.end(em, barred, 'CANCELLED', (order) => blocked.get(order.partnerId)!, events, giveBack);

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
        const page = seen(await this.orders.restingPage(em, marketId, market.askPrice, after));
        apply(
          page,
          matchMarket({ askPrice: market.askPrice, availableUnits: available, resting: page.map(toBook), incoming: [], blocked }),
        );
        after = page.at(-1);
        if (page.length < RUN_BATCH || available === 0) break;
      }
    }
    // Phase 2: bids not yet through a run meet the ask, in arrival order.
    const incoming = seen(await this.orders.incoming(em, marketId));
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
      const event = statusAfterFill(order.filledQuantity, order.quantity);
      order.status = nextStatus(order.status, event);
      touched.add(order);
      const row = Object.assign(new Fill(), {
        id: randomUUID(),
        orderId: order.id,
        partnerId: order.partnerId,
        marketId: market.id,
        skuCode: market.sku.code,
        regionCode: market.region.code,
        quantity: fill.quantity,
        price: fill.price,
        amount: fill.price.times(fill.quantity),
        holdAmount,
        executedAt: now,
      });
      return { fill: row, order, event };
    });
    for (const { order, outcome } of outcomes) {
      if (!outcome.cancelRemainder && order.resting && !touched.has(order)) continue; // still waiting, nothing new
      order.statusReason = outcome.reason;
      touched.add(order);
    }

    // Orders, fills and units sold, set-based; each order row is written once. What ended orders
    // give back (export usage, then credit) goes last.
    const ending = new Set(outcomes.filter(({ outcome }) => outcome.cancelRemainder).map(({ order }) => order));
    await this.end(em, [...ending], 'CANCELLED', (order) => order.statusReason, events, giveBack);
    for (const batch of batches([...touched].filter((order) => !ending.has(order)))) await this.orders.writeStates(em, batch, now);
    for (const batch of batches(fillRows))
      await this.fills.insertMany(
        em,
        batch.map(({ fill }) => fill),
      );
    const unitsSold = market.availableUnits - available;
    if (unitsSold > 0) await this.inventory.commitUnits(em, market, unitsSold);
    await this.ending.giveBack(em, giveBack);

    for (const { fill, order, event } of fillRows) events.push(orderEventOf(event, order, fill));
    return {
      summary: { fills: fillRows.length, unitsSold, ended: expired.length + barred.length + ending.size },
      events,
      fillIds: fillRows.map(({ fill }) => fill.id),
    };
  }

  /** Ends orders with a remainder and records their events. */
  private async end(
    em: EntityManager,
    orders: Order[],
    status: 'CANCELLED' | 'EXPIRED',
    reasonOf: (order: Order) => string | null,
    events: OrderEventMessage[],
    giveBack: GiveBack,
  ): Promise<void> {
    await this.ending.end(em, orders, status, reasonOf, giveBack);
    for (const order of orders) events.push(orderEventOf(status, order));
  }

  /**
   * Partners with open orders in the market that may no longer trade its SKU, with the reason: the
   * export to their country became prohibited, or their unexpired licenses no longer cover their
   * usage. Only partners of countries with a rule other than ALLOWED can be blocked, so a market
   * whose SKU has no such rule costs one small read, whatever its book.
   */
  private async blockedPartners(em: EntityManager, market: MarketView): Promise<Map<string, string>> {
    const blocked = new Map<string, string>();
    const countries = await this.compliance.restrictedCountries(em, market.sku.code);
    if (countries.length === 0) return blocked;
    const candidates = await this.partners.findByCountries(countries, em);
    if (candidates.length === 0) return blocked;
    const trading = await this.orders.partnersWithOpenOrders(
      em,
      market.id,
      candidates.map((p) => p.id),
    );
    for (const partner of candidates.filter((p) => trading.has(p.id))) {
      const reason = await this.compliance.recheck(em, partner, market.sku.code);
      if (reason) blocked.set(partner.id, reason);
    }
    return blocked;
  }
}
