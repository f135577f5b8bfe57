import { In } from 'typeorm';
import { InventoryService } from '@gpupool/inventory';
import { Fill, MatchingService } from '@gpupool/trading';
import { Decimal } from '@gpupool/platform';
import { fillHoldPart } from '../libs/trading/src/credit-hold';
import { REASON } from '../libs/trading/src/matching';
import { fillOfEvent, OrderEventMessage, OrderEvents, orderOfEvent } from '../libs/trading/src/order-events';
import { Order } from '../libs/trading/src/order.entity';
import { insertRestingOrders } from './support/bulk-orders';
import { Pool } from './support/pool';
import { startStack, TestStack } from './support/stack';
import { OPEN_BOOK_DRIFT, tradingViolations } from './support/trading-invariants';

const SKU = 'H800';
const REGION = 'cn-shanghai';

/** A resting bid as the book holds it before a run. */
interface Bid {
  id: string;
  partnerId: string;
  quantity: number;
  filled: number;
  filledAmount: string;
  limitPrice: string;
  taxRatePercent: string;
}

/** An order's fill of one run, and the order's state after it. */
interface Outcome {
  quantity: number;
  price: string;
  holdAmount: string;
  status: string;
  statusReason: string | null;
  filledQuantity: number;
  filledAmount: string;
}

/**
 * Phase 1 of a match run runs in SQL (libs/trading/src/resting-fills.ts). Checked against the rule
 * written plainly here: resting bids at or above the ask, best first (highest limit, then earliest),
 * each takes what is left at its own limit, and its fill takes the part of its hold `fillHoldPart`
 * gives; a bid filled in part rests with the reason of a sold-out cap.
 */
describe('a match run, phase 1: resting bids filled in SQL', () => {
  let stack: TestStack;
  let pool: Pool;
  let marketId: string;
  const partners: { id: string; key: string }[] = [];
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  let placed = 0;

  /** The resting bids of `market` at or above `ask`, best first, as the run will meet them. */
  const marketable = (market: string, ask: string): Promise<Bid[]> =>
    stack.dataSource.query(
      `SELECT o.id, o.partner_id AS "partnerId", o.quantity, o.filled_quantity AS filled, o.filled_amount::text AS "filledAmount",
              o.limit_price AS "limitPrice",
              o.tax_rate_percent AS "taxRatePercent"
         FROM order_book b JOIN orders o ON o.id = b.order_id
        WHERE b.market_id = $1 AND b.resting AND b.limit_price >= $2
        ORDER BY b.limit_price DESC, b.seq`,
      [market, ask],
    );

  /** What the rule gives each bid, with `units` to sell. */
  const expected = (bids: Bid[], units: number): Map<string, Outcome> => {
    const outcomes = new Map<string, Outcome>();
    let left = units;
    for (const bid of bids) {
      if (left === 0) break;
      const quantity = Math.min(bid.quantity - bid.filled, left);
      left -= quantity;
      const price = new Decimal(bid.limitPrice);
      const filledQuantity = bid.filled + quantity;
      outcomes.set(bid.id, {
        quantity,
        price: price.toFixed(2),
        holdAmount: fillHoldPart(bid.filled, quantity, price, new Decimal(bid.taxRatePercent)).toFixed(2),
        status: filledQuantity === bid.quantity ? 'FILLED' : 'PARTIALLY_FILLED',
        statusReason: filledQuantity === bid.quantity ? null : REASON.capReached,
        filledQuantity,
        filledAmount: new Decimal(bid.filledAmount).plus(price.times(quantity)).toFixed(2),
      });
    }
    return outcomes;
  };

  /** The fills a run of `market` wrote (those not in `before`), with their orders' states after it. */
  const fillsOfRun = async (market: string, before: Set<string>): Promise<Map<string, Outcome>> => {
    const rows: (Outcome & { id: string; fillId: string })[] = await stack.dataSource.query(
      `SELECT o.id, f.id AS "fillId", f.quantity, f.price::text, f.hold_amount::text AS "holdAmount", o.status,
              o.status_reason AS "statusReason", o.filled_quantity AS "filledQuantity", o.filled_amount::text AS "filledAmount"
         FROM fill f JOIN orders o ON o.id = f.order_id WHERE f.market_id = $1`,
      [market],
    );
    return new Map(rows.filter((r) => !before.has(r.fillId)).map(({ id, fillId: _, ...outcome }) => [id, outcome]));
  };
  /**
   * Each fill event's order and fill, against the rows as stored after the run: a run builds the
   * events of its resting bids from Postgres's text, not from entities.
   */
  const eventsAgainstTables = async (events: OrderEventMessage[]) => {
    const plain = (entity: object) =>
      Object.fromEntries(
        Object.entries(entity).map(([key, value]) => [
          key,
          Decimal.isDecimal(value) ? value.toFixed(2) : value instanceof Date ? value.toISOString() : value,
        ]),
      );
    const orders = await stack.dataSource.getRepository(Order).findBy({ id: In(events.map((e) => e.order.id)) });
    const fills = await stack.dataSource.getRepository(Fill).findBy({ id: In(events.map((e) => e.fill!.id)) });
    const byId = new Map<string, object>([...orders, ...fills].map((row) => [row.id, plain(row)]));
    for (const event of events) {
      expect(plain(orderOfEvent(event))).toEqual(byId.get(event.order.id));
      expect(plain(fillOfEvent(event)!)).toEqual(byId.get(event.fill!.id));
      expect(event.type).toBe(event.order.status);
    }
  };
  const fillIds = async () => {
    const rows: { id: string }[] = await stack.dataSource.query(`SELECT id FROM fill WHERE market_id = $1`, [marketId]);
    return new Set(rows.map((r) => r.id));
  };

  /** Bids through the api at limits around the ask. */
  const placeBids = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const partner = partners[pick(0, partners.length - 1)]!;
      const res = await pool.place(partner.key, {
        clientOrderId: `phase1-${++placed}`,
        skuCode: SKU,
        regionCode: REGION,
        quantity: pick(1, 40),
        // Half at a few round levels, so bids tie on price and time decides.
        limitPrice: random() < 0.5 ? `${pick(19, 26) * 5_000}.00` : `${pick(95_000, 130_000)}.${String(pick(0, 99)).padStart(2, '0')}`,
        timeInForce: 'GTC',
        // A third expire, long after this test: their events carry the time.
        ...(random() < 0.33 ? { expiresAt: new Date(Date.now() + pick(1, 1_000) * 3_600_123).toISOString() } : {}),
      });
      expect(res.errors).toBeUndefined();
    }
  };

  beforeAll(async () => {
    // Runs of several pages (RUN_BATCH, 10,000 bids): one run may fill more than the default MATCH_RUN_LIMIT.
    stack = await startStack({ env: { MATCH_RUN_LIMIT: '100000' } });
    pool = new Pool(stack);
    // Tax rates whose holds round differently to the fen.
    for (const [i, tax] of ['0.00', '6.00', '13.00', '9.75', '17.33'].entries()) {
      const partner = await pool.partner(`Phase One ${i}`, 'SG');
      await stack.dataSource.query('UPDATE partner SET tax_rate_percent = $2 WHERE id = $1', [partner.id, tax]);
      partners.push(partner);
    }
    await pool.share('5.00', SKU);
    await pool.receive(SKU, REGION, 20);
    await pool.ask(SKU, REGION, '100000.00');
    marketId = await pool.marketId(SKU, REGION);
  });
  afterAll(() => stack.close());

  it('fills resting bids best first, each at its own limit, with its part of the hold, over random books, asks and supplies', async () => {
    const matching = stack.get(MatchingService);
    let soldOutMidBid = 0;
    let filledAgain = 0;
    for (let round = 0; round < 12; round++) {
      // New bids go through a run first (phase 2), so the checked run meets them resting.
      await placeBids(pick(0, 25));
      await matching.run(marketId);
      const ask = `${pick(97_000, 125_000)}.${String(pick(0, 99)).padStart(2, '0')}`;
      await pool.ask(SKU, REGION, ask);
      // 5 % of what is received is for sale, on top of what earlier runs left unsold.
      const units = pick(0, 120);
      if (units > 0) await pool.receive(SKU, REGION, units * 20);
      const available = (await stack.get(InventoryService).findMarket(SKU, REGION))!.availableUnits;

      const bids = await marketable(marketId, ask);
      const before = await fillIds();
      const published = jest.spyOn(stack.get(OrderEvents), 'publish');
      const summary = await matching.run(marketId);
      const events = published.mock.calls.flatMap(([batch]) => batch);
      published.mockRestore();
      const want = expected(bids, available);
      expect(await fillsOfRun(marketId, before)).toEqual(want);
      expect(events.map((event) => event.order.id).sort()).toEqual([...want.keys()].sort());
      await eventsAgainstTables(events);
      expect(summary.unitsSold).toBe([...want.values()].reduce((sum, o) => sum + o.quantity, 0));
      soldOutMidBid += [...want.values()].filter((o) => o.status === 'PARTIALLY_FILLED').length;
      filledAgain += bids.filter((bid) => bid.filled > 0 && want.has(bid.id)).length;
    }
    // The rounds sold out in the middle of a bid, and filled the rest of bids filled in part before.
    expect(soldOutMidBid).toBeGreaterThan(0);
    expect(filledAgain).toBeGreaterThan(0);
    expect(await stack.dataSource.query(OPEN_BOOK_DRIFT)).toEqual([]);
    expect(await tradingViolations(stack.dataSource)).toEqual({});
  });

  it('carries amounts of CNY 10^13 and more exactly in the events of resting fills (promise 3)', async () => {
    const region = 'cn-guangzhou';
    const whale = await pool.partner('Phase One Whale', 'SG', '1000000000000000.00');
    // 20,000,000 received, 5 %: a million units; offered first above the bid, so it rests.
    await pool.receive(SKU, region, 10_000_000);
    await pool.receive(SKU, region, 10_000_000);
    await pool.ask(SKU, region, '100000000.00');
    const market = await pool.marketId(SKU, region);
    const placed = await pool.place(whale.key, {
      clientOrderId: 'whale-1',
      skuCode: SKU,
      regionCode: region,
      quantity: 1_000_000,
      limitPrice: '99999999.99',
      timeInForce: 'GTC',
    });
    expect(placed.errors).toBeUndefined();
    const matching = stack.get(MatchingService);
    expect(await matching.run(market)).toMatchObject({ fills: 0 });
    await pool.ask(SKU, region, '99999999.99');

    const published = jest.spyOn(stack.get(OrderEvents), 'publish');
    await matching.run(market);
    const events = published.mock.calls.flatMap(([batch]) => batch);
    published.mockRestore();
    expect(events).toHaveLength(1);
    expect(events[0]!.fill).toMatchObject({ quantity: 1_000_000, price: '99999999.99', amount: '99999999990000.00' });
    expect(events[0]!.order).toMatchObject({ status: 'FILLED', filledAmount: '99999999990000.00' });
    await eventsAgainstTables(events);
  });

  it('runs a run again whole when its second page fails, sent while the first was parsed: every bid filled once, nothing unhandled', async () => {
    const region = 'cn-beijing';
    await pool.receive(SKU, region, 660_000); // 5 %: 33,000 units
    await pool.ask(SKU, region, '100000.00');
    const market = await pool.marketId(SKU, region);
    // 12,000 bids of 1-5 units: a full first page of RUN_BATCH (10,000), then a second one.
    await insertRestingOrders(stack.dataSource, {
      prefix: 'faulty-',
      marketId: market,
      partnerIds: partners.map((p) => p.id),
      count: 12_000,
      minLimit: 100_000,
    });
    const bids = await marketable(market, '100000.00');
    const want = expected(bids, 33_000);
    // The second statement that inserts fills fails as a serialization failure would: once, on the
    // first attempt; the run sent it before it parsed the first page.
    await stack.dataSource.query(`CREATE SEQUENCE fill_statements`);
    await stack.dataSource.query(`CREATE FUNCTION fail_second_page() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('fill_statements') = 2 THEN RAISE EXCEPTION 'the second page fails' USING ERRCODE = '40001'; END IF;
        RETURN NULL;
      END $$`);
    await stack.dataSource.query(
      `CREATE TRIGGER fail_second_page AFTER INSERT ON fill FOR EACH STATEMENT EXECUTE FUNCTION fail_second_page()`,
    );
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const summary = await stack.get(MatchingService).run(market);
      expect(summary.unitsSold).toBe(33_000);
      // Two statements of the first attempt, two pages of the second.
      const [{ statements }] = await stack.dataSource.query(`SELECT last_value::int AS statements FROM fill_statements`);
      expect(statements).toBe(4);
    } finally {
      process.off('unhandledRejection', record);
      await stack.dataSource.query(
        `DROP TRIGGER fail_second_page ON fill; DROP FUNCTION fail_second_page(); DROP SEQUENCE fill_statements`,
      );
    }
    expect(unhandled).toEqual([]);
    expect(await fillsOfRun(market, new Set())).toEqual(want);
    const [{ fills }] = await stack.dataSource.query(`SELECT count(*)::int AS fills FROM fill WHERE market_id = $1`, [market]);
    expect(fills).toBe(want.size);
    expect(want.size).toBeGreaterThan(10_000);
    expect(await stack.dataSource.query(OPEN_BOOK_DRIFT)).toEqual([]);
    expect(await tradingViolations(stack.dataSource)).toEqual({});
  });
});
