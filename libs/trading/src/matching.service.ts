import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ComplianceService } from '@gpupool/compliance';
import { PartnerService } from '@gpupool/identity';
import { InventoryService, MarketView } from '@gpupool/inventory';
import { APP_CONFIG, AppConfig, Decimal, DomainEvents, SentStatements, transactionWithRetry } from '@gpupool/platform';
import { fillHoldPart } from './credit-hold';
import { Fill } from './fill.entity';
import { FillRepository, RunOfFills } from './fill.repository';
import { FillsCommitted } from './fills-committed.event';
import { MatchTrigger } from './match-trigger';
import { BookOrder, MatchFill, matchMarket } from './matching';
import { FillEventMessage, orderEventOf, OrderEvents } from './order-events';
import { GiveBack, OrderEnding } from './order-ending';
import { Order } from './order.entity';
import { OrderRepository, RUN_BATCH } from './order.repository';
import { nextStatus, statusAfterFill } from './order-status';
import { FilledPage, RestingFills } from './resting-fills';

export interface MatchRunSummary {
  fills: number;
  unitsSold: number;
  ended: number;
  /** The run stopped at its limit (MATCH_RUN_LIMIT) with more of the book to meet: it asked for a follow-up run. */
  more: boolean;
}

/** Open orders as a run sees them; their reason starts empty, since a run writes the reason it gives now, or none. */
const seen = (orders: Order[]): Order[] => orders.map((order) => Object.assign(order, { statusReason: null }));

const toBook = (order: Order): BookOrder => ({
  id: order.id,
  partnerId: order.partnerId,
  limitPrice: order.limitPrice,
  remaining: order.remainingQuantity,
  timeInForce: order.timeInForce,
});

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** `items` in slices of `size`. */
function* chunk<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** An order a run ended, and how. */
interface Ended {
  order: Order;
  status: 'CANCELLED' | 'EXPIRED';
}

/**
 * What a run committed: the orders it ended, its fills of resting bids and of new ones (each order
 * as the run left it), the units sold, and whether it stopped at its limit.
 */
interface RunOutcome {
  ended: Ended[];
  resting: RestingRecord;
  fills: RunFill[];
  unitsSold: number;
  more: boolean;
}

/** A fill of a run, the order it filled, and the event it makes of it. */
interface RunFill {
  fill: Fill;
  order: Order;
  event: 'FILLED' | 'PARTIALLY_FILLED';
}

/**
 * A run's phase 1, its fills and their events. A page comes as Postgres sent it, and its events
 * are built (`describe`) while Postgres writes the next page, or after the commit: never while the
 * run's locks wait on Node alone. It keeps what the run publishes after its commit: the events,
 * each with its fill.
 */
class RestingRecord {
  readonly events: FillEventMessage[] = [];
  private readonly pages: FilledPage[] = [];

  constructor(
    private readonly resting: RestingFills,
    private readonly run: RunOfFills,
  ) {}

  /**
   * Supply meets resting bids at or above `ask` in SQL, a page at a time while `available` units
   * and `limit` bids last. Returns the units sold, and whether it stopped at the limit with units
   * left (the rest of the book, and the new bids behind it, are then a follow-up run's).
   */
  async fill(
    em: EntityManager,
    sent: SentStatements,
    ask: Decimal,
    available: number,
    limit: number,
  ): Promise<{ unitsSold: number; more: boolean }> {
    let [unitsSold, left] = [0, limit];
    // A page holds no more bids than units are left, since every bid that fills takes one at least.
    const fillPage = (after: FilledPage['last']) => {
      const size = Math.min(RUN_BATCH, available - unitsSold, left);
      return { size, filled: sent.add(this.resting.fillPage(em, this.run, ask, available - unitsSold, size, after)) };
    };
    return this.resting.withoutNestedLoops(em, async () => {
      for (let next = fillPage(null); ;) {
        const page = await next.filled;
        this.pages.push(page);
        unitsSold += page.units;
        left -= page.raw.rows.length;
        // A short page: the book ran dry or the units ran out.
        if (page.raw.rows.length < next.size || unitsSold === available) return { unitsSold, more: false };
        if (left === 0) return { unitsSold, more: true };
        // The next page goes out at once, and this one is described while Postgres writes it.
        next = fillPage(page.last);
        await nextTurn();
        await this.describe();
      }
    });
  }

  /** Builds the events of the pages not yet described. */
  async describe(): Promise<void> {
    for (const page of this.pages.splice(0)) {
      for (const event of this.resting.events(page, this.run)) this.events.push(event);
      await nextTurn();
    }
  }
}

/**
 * One match run of a market, in one transaction: lock the market (so runs of one market never
 * overlap, whichever worker has the job), end expired orders and those of partners who may no
 * longer trade its SKU, then
 * 1. supply meets resting bids, best first, in SQL (RestingFills: a statement reads a page of the
 *    book, inserts its fills and writes its orders back);
 * 2. the bids no run has seen yet meet the ask, in arrival order (the pure `matchMarket`), and their
 *    states and fills are written set-based;
 * then the units sold; after the commit, settlement is queued in bulk and the run's events are
 * published in bulk.
 *
 * A run ends at most MATCH_RUN_LIMIT expired orders and as many of blocked partners, fills at most
 * MATCH_RUN_LIMIT resting bids and sees at most MATCH_RUN_LIMIT new ones, so what it holds (an
 * event for each order it fills or ends, until they are published) and how long it holds its
 * market's lock stay bounded however deep the book: the rest is a follow-up run's, which it asks
 * for after its commit. A run that stops early leaves what comes after to the follow-up: one that
 * ended its limit of orders fills nothing (an order it did not reach may have to end), and one
 * stopped in phase 1 leaves phase 2, since new bids never go before resting ones still marketable.
 *
 * Every change of an open order is made under its market's lock (here, and in OrderService.cancel),
 * so a run reads its book (`order_book`) without row locks. Phase 1 describes each page while
 * Postgres writes the next one, and the last one after the commit, so the run's locks wait on
 * Postgres, not on Node (phase 2's writes are sent without waiting, SentStatements). The locks
 * placeOrder also needs (export usage, then partners, each in key order) are taken last, in one
 * statement each, just before the commit, so intake waits for them only as long as those two
 * statements (lock order: libs/trading/README.md). A run that lost a lock race is run again whole
 * (transactionWithRetry).
 */
@Injectable()
export class MatchingService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly orders: OrderRepository,
    private readonly fills: FillRepository,
    private readonly resting: RestingFills,
    private readonly inventory: InventoryService,
    private readonly partners: PartnerService,
    private readonly compliance: ComplianceService,
    private readonly ending: OrderEnding,
    private readonly domainEvents: DomainEvents,
    private readonly events: OrderEvents,
    private readonly trigger: MatchTrigger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run(marketId: string): Promise<MatchRunSummary> {
    const { ended, resting, unitsSold, more, ...outcome } = await transactionWithRetry(this.dataSource, (em) => this.runIn(em, marketId));
    await resting.describe();
    const fillIds = [...resting.events.map(({ fill }) => fill.id), ...outcome.fills.map(({ fill }) => fill.id)];
    // Once the run committed, settlement hears of its fills while its events are published.
    const settling = fillIds.length > 0 ? this.domainEvents.publish(new FillsCommitted(fillIds)) : undefined;
    const events = [
      ...ended.map(({ order, status }) => orderEventOf(status, order)),
      ...resting.events,
      ...outcome.fills.map(({ fill, order, event }) => orderEventOf(event, order, fill)),
    ];
    await Promise.all([settling, this.events.publish(events), more ? this.trigger.request([marketId]) : undefined]);
    return { fills: fillIds.length, unitsSold, ended: ended.length, more };
  }

  private async runIn(em: EntityManager, marketId: string): Promise<RunOutcome> {
    const ended: Ended[] = [];
    const giveBack = new GiveBack();
    const market = await this.inventory.lockMarket(em, marketId);
    const now = market.asOf;
    const limit = this.config.MATCH_RUN_LIMIT;
    const expired = seen(await this.orders.expired(em, marketId, limit));
    await this.end(em, expired, 'EXPIRED', (order) => `expired at ${order.expiresAt!.toISOString()}`, now, ended, giveBack);
    const blocked = expired.length < limit ? await this.blockedPartners(em, market) : new Map<string, string>();
    const barred = blocked.size > 0 ? seen(await this.orders.openOfPartners(em, marketId, [...blocked.keys()], limit)) : [];
    await this.end(em, barred, 'CANCELLED', (order) => blocked.get(order.partnerId)!, now, ended, giveBack);
    // A run that ended as many orders as its limit fills nothing: more of them may be left, and
    // none of those may fill. The rest, then the fills, are a follow-up run's.
    let more = expired.length === limit || barred.length === limit;

    const sent = new SentStatements();
    const shared: RunOfFills = { marketId: market.id, skuCode: market.sku.code, regionCode: market.region.code, executedAt: now };
    const resting = new RestingRecord(this.resting, shared);
    let fills: RunFill[] = [];
    let available = market.availableUnits;

    await sent.settledAfter(async () => {
      if (more) return;
      // Bids not yet through a run, read now, beside phase 1: a run's writes of resting bids never change them.
      const incoming = sent.add(this.orders.incoming(em, marketId, limit).then(seen));
      // Phase 1: supply meets resting bids in SQL; stopped at the run's limit, it leaves phase 2 to the follow-up.
      if (market.askPrice && available > 0) {
        const phase1 = await resting.fill(em, sent, market.askPrice, available, limit);
        available -= phase1.unitsSold;
        more = phase1.more;
        if (more) return;
      }
      // Phase 2: bids not yet through a run meet the ask, in arrival order.
      const bids = await incoming;
      more = bids.length === limit;
      const result = matchMarket({ askPrice: market.askPrice, availableUnits: available, incoming: bids.map(toBook), blocked });
      available -= result.unitsSold;
      fills = this.fillsOf(bids, result.fills, shared);
      // Every new bid is written back (seen by a run, filled, with its reason); those that end give back the rest.
      const ends = new Map(result.outcomes.map(({ orderId, cancelRemainder, reason }) => [orderId, { cancelRemainder, reason }]));
      const ending: Order[] = [];
      const waiting: Order[] = [];
      for (const order of bids) {
        const outcome = ends.get(order.id);
        if (outcome) order.statusReason = outcome.reason;
        (outcome?.cancelRemainder ? ending : waiting).push(order);
      }
      sent.add(this.end(em, ending, 'CANCELLED', (order) => order.statusReason, now, ended, giveBack));
      for (const batch of chunk(waiting, RUN_BATCH)) sent.add(this.orders.writeStates(em, batch, now));
      for (const batch of chunk(fills, RUN_BATCH))
        sent.add(
          this.fills.insertMany(
            em,
            shared,
            batch.map(({ fill }) => fill),
          ),
        );
    });

    const unitsSold = market.availableUnits - available;
    if (unitsSold > 0) await this.inventory.commitUnits(em, market, unitsSold);
    await this.ending.giveBack(em, giveBack);
    return { ended, resting, fills, unitsSold, more };
  }

  /**
   * The fills of new bids as the matcher gave them: each takes its part of the order's credit
   * hold, and moves the order on (what it filled, its status).
   */
  private fillsOf(bids: Order[], matched: MatchFill[], run: RunOfFills): RunFill[] {
    const byId = new Map(bids.map((order) => [order.id, order]));
    return matched.map(({ orderId, quantity, price }) => {
      const order = byId.get(orderId)!;
      const amount = price.times(quantity);
      const holdAmount = fillHoldPart(order.filledQuantity, quantity, order.limitPrice, order.taxRatePercent);
      order.filledQuantity += quantity;
      order.filledAmount = order.filledAmount.plus(amount);
      const event = statusAfterFill(order.filledQuantity, order.quantity);
      order.status = nextStatus(order.status, event);
      const fill = Object.assign(new Fill(), {
        id: randomUUID(),
        orderId,
        partnerId: order.partnerId,
        ...run,
        quantity,
        price,
        amount,
        holdAmount,
      });
      return { fill, order, event };
    });
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
