import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ComplianceService } from '@gpupool/compliance';
import { PartnerService } from '@gpupool/identity';
import { InventoryService, MarketView } from '@gpupool/inventory';
import { DomainEvents, SentStatements, transactionWithRetry } from '@gpupool/platform';
import { fillHoldPart } from './credit-hold';
import { Fill } from './fill.entity';
import { FillRepository, RunOfFills } from './fill.repository';
import { FillsCommitted } from './fills-committed.event';
import { BookOrder, matchMarket, MatchResult } from './matching';
import { OrderEventMessage, orderEventOf, OrderEvents } from './order-events';
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

/**
 * Resting bids in a run's first page: few, so Postgres starts on the run's writes while the run
 * reads and matches the next page of RUN_BATCH.
 */
const FIRST_PAGE = 1_000;

/** Fills a run builds between two turns of the event loop. */
const YIELD_EVERY = 1_000;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Takes full batches of RUN_BATCH off the front of `items` (with `all`, the rest too). */
function* takeBatches<T>(items: T[], all: boolean): Generator<T[]> {
  while (items.length >= RUN_BATCH || (all && items.length > 0)) yield items.splice(0, RUN_BATCH);
}

/** An order a run ended, and how. */
interface Ended {
  order: Order;
  status: 'CANCELLED' | 'EXPIRED';
}

/** What a run committed: its events (each order and fill as the run left them), its fills, units sold and orders ended. */
interface RunOutcome {
  events: OrderEventMessage[];
  fillIds: string[];
  unitsSold: number;
  ended: number;
}

/** A fill of a run, the order it filled, and the event it makes of it. */
interface RunFill {
  fill: Fill;
  order: Order;
  event: 'FILLED' | 'PARTIALLY_FILLED';
}

/**
 * One match run of a market, in one transaction: lock the market (so runs of one market never
 * overlap, whichever worker has the job), end expired orders and those of partners who may no
 * longer trade its SKU, load the book, call the pure matcher, write order states, fills and the
 * units sold set-based; then queue settlement in bulk and publish the run's events in bulk.
 *
 * Every change of an open order is made under its market's lock (here, and in OrderService.cancel),
 * so a run reads its book (`order_book`) without row locks. It reads the book a page at a time and
 * sends each page's writes without waiting for them (SentStatements): Postgres writes one page
 * while the run reads and matches the next and builds the events of the page it sent, so only
 * their publication is left for after the commit. The locks placeOrder also needs (export usage,
 * then partners, each in key order) are taken last, in one statement each, just before the commit,
 * so intake waits for them only as long as those two statements (lock order:
 * libs/trading/README.md). A run that lost a lock race is run again whole (transactionWithRetry).
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
    const { events, fillIds, unitsSold, ended } = await transactionWithRetry(this.dataSource, (em) => this.runIn(em, marketId));
    // Once the run committed, settlement hears of its fills while its events are published.
    const settling = fillIds.length > 0 ? this.domainEvents.publish(new FillsCommitted(fillIds)) : undefined;
    await Promise.all([settling, this.events.publish(events)]);
    return { fills: fillIds.length, unitsSold, ended };
  }

  private async runIn(em: EntityManager, marketId: string): Promise<RunOutcome> {
    const ended: Ended[] = [];
    const giveBack = new GiveBack();
    const market = await this.inventory.lockMarket(em, marketId);
    const now = market.asOf;
    const expired = seen(await this.orders.expired(em, marketId));
    await this.end(em, expired, 'EXPIRED', (order) => `expired at ${order.expiresAt!.toISOString()}`, now, ended, giveBack);
    const blocked = await this.blockedPartners(em, market);
    const barred = blocked.size > 0 ? seen(await this.orders.openOfPartners(em, marketId, [...blocked.keys()])) : [];
    await this.end(em, barred, 'CANCELLED', (order) => blocked.get(order.partnerId)!, now, ended, giveBack);

    const sent = new SentStatements();
    const shared: RunOfFills = { marketId: market.id, skuCode: market.sku.code, regionCode: market.region.code, executedAt: now };
    const fills: RunFill[] = [];
    let available = market.availableUnits;

    /**
     * Order states and fills go out after each page that has a next one (RUN_BATCH a statement at
     * most), the rest at the end: a small run writes each once, whichever phase made them.
     */
    const toWrite: Order[] = [];
    const toInsert: Fill[] = [];
    const write = (all: boolean) => {
      for (const batch of takeBatches(toWrite, all)) sent.add(this.orders.writeStates(em, batch, now));
      for (const batch of takeBatches(toInsert, all)) sent.add(this.fills.insertMany(em, shared, batch));
    };

    /**
     * The events of the fills whose writes are all sent: built while Postgres writes (each order is
     * written once a run, so it is as the run leaves it), not after the commit.
     */
    const fillEvents: OrderEventMessage[] = [];
    const announce = async () => {
      while (fillEvents.length < fills.length) {
        const { fill, order, event } = fills[fillEvents.length]!;
        fillEvents.push(orderEventOf(event, order, fill));
        if (fillEvents.length % YIELD_EVERY === 0) await nextTurn();
      }
    };

    /**
     * What a matched page comes to: each fill takes its part of the order's credit hold; orders
     * that end give back the rest; every order seen for the first time, filled or given a new
     * reason is written back (each order row once). Writes are sent, not awaited.
     */
    const settlePage = async (orders: Order[], result: MatchResult, firstSeen: boolean) => {
      available -= result.unitsSold;
      const byId = new Map(orders.map((o) => [o.id, o]));
      const touched = new Set<Order>(firstSeen ? orders : []);
      const pageFills: RunFill[] = [];
      for (const matched of result.fills) {
        // Now and then the connection gets its turn, so Postgres starts the next statement sent at once.
        if (pageFills.length % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
        const order = byId.get(matched.orderId)!;
        const amount = matched.price.times(matched.quantity);
        const holdAmount = fillHoldPart(order.filledQuantity, matched.quantity, order.limitPrice, order.taxRatePercent);
        order.filledQuantity += matched.quantity;
        order.filledAmount = order.filledAmount.plus(amount);
        const event = statusAfterFill(order.filledQuantity, order.quantity);
        order.status = nextStatus(order.status, event);
        touched.add(order);
        const fill = Object.assign(new Fill(), {
          id: randomUUID(),
          orderId: order.id,
          partnerId: order.partnerId,
          ...shared,
          quantity: matched.quantity,
          price: matched.price,
          amount,
          holdAmount,
        });
        pageFills.push({ fill, order, event });
      }
      const ending: Order[] = [];
      for (const outcome of result.outcomes) {
        const order = byId.get(outcome.orderId)!;
        if (outcome.cancelRemainder) ending.push(order);
        else if (order.resting && !touched.has(order)) continue; // still waiting, nothing new
        order.statusReason = outcome.reason;
        touched.add(order);
      }
      fills.push(...pageFills);
      // What ended orders give back (export usage, then credit) goes last, with the run's other give-backs.
      sent.add(this.end(em, ending, 'CANCELLED', (order) => order.statusReason, now, ended, giveBack));
      const ends = new Set(ending);
      toWrite.push(...[...touched].filter((order) => !ends.has(order)));
      toInsert.push(...pageFills.map(({ fill }) => fill));
    };

    await sent.settledAfter(async () => {
      // Bids not yet through a run, read now, beside the first page of the book: a run's writes never change them.
      const incoming = sent.add(this.orders.incoming(em, marketId).then(seen));
      // Phase 1: supply meets resting bids, page by page while units last; the next page is read while this one is written.
      if (market.askPrice && available > 0) {
        const ask = market.askPrice;
        // A page holds no more bids than units are left, since every bid that fills takes one at least.
        let limit = Math.min(FIRST_PAGE, available);
        let page = seen(await this.orders.restingPage(em, marketId, ask, limit));
        for (;;) {
          const result = matchMarket({ askPrice: ask, availableUnits: available, resting: page.map(toBook), incoming: [], blocked });
          const left = available - result.unitsSold;
          let next: Promise<Order[]> | undefined;
          if (page.length === limit && left > 0) {
            limit = Math.min(RUN_BATCH, left);
            next = sent.add(this.orders.restingPage(em, marketId, ask, limit, page.at(-1)));
          }
          await settlePage(page, result, false);
          if (!next) break;
          write(true);
          await announce();
          page = seen(await next);
        }
      }
      // Phase 2: bids not yet through a run meet the ask, in arrival order.
      const bids = await incoming;
      await settlePage(
        bids,
        matchMarket({ askPrice: market.askPrice, availableUnits: available, resting: [], incoming: bids.map(toBook), blocked }),
        true,
      );
      write(true);
      await announce();
    });

    const unitsSold = market.availableUnits - available;
    if (unitsSold > 0) await this.inventory.commitUnits(em, market, unitsSold);
    await this.ending.giveBack(em, giveBack);
    return {
      events: [...ended.map(({ order, status }) => orderEventOf(status, order)), ...fillEvents],
      fillIds: fills.map(({ fill }) => fill.id),
      unitsSold,
      ended: ended.length,
    };
  }

  /** Ends orders with a remainder (what they give back is added to `giveBack`) and notes them in `ended`. */
  private end(
    em: EntityManager,
    orders: Order[],
    status: Ended['status'],
    reasonOf: (order: Order) => string | null,
    at: Date,
    ended: Ended[],
    giveBack: GiveBack,
  ): Promise<void> {
    for (const order of orders) ended.push({ order, status });
    return this.ending.end(em, orders, status, reasonOf, at, giveBack);
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
