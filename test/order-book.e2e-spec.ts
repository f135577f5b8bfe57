import { InventoryService } from '@gpupool/inventory';
import { MatchingService } from '@gpupool/trading';
import { dataSourceOptions, Decimal } from '@gpupool/platform';
import { PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { MIGRATIONS } from '../apps/migrations';
import { OrderBook1796400000000 } from '../libs/trading/src/migrations/1796400000000-OrderBook';
import { BookHoldsBids1796500000000 } from '../libs/trading/src/migrations/1796500000000-BookHoldsBids';
import { RestingFills } from '../libs/trading/src/resting-fills';
import { insertRestingOrders } from './support/bulk-orders';
import { undoMigrationsThrough } from './support/database';
import { Pool } from './support/pool';
import { startStack, TestStack } from './support/stack';
import { OPEN_BOOK_DRIFT, tradingViolations } from './support/trading-invariants';

const SKU = 'ASCEND-910B';
const REGION = 'cn-beijing';
const DEEP_REGION = 'cn-shanghai';
const EXPIRY_REGION = 'cn-guangzhou';
const BLOCK_REGION = 'cn-wulanchabu';

/**
 * `order_book` holds exactly the open orders, kept by triggers on `orders` whoever writes them (the
 * api, a match run, a cancel, plain SQL), and no index of `orders` covers what a fill changes.
 */
describe('the open book', () => {
  let stack: TestStack;
  let pool: Pool;
  let partner: { id: string; key: string };
  let marketId: string;
  let n = 0;
  const place = async (quantity: number, limitPrice: string, timeInForce: 'GTC' | 'IOC' = 'GTC') => {
    const res = await pool.place(partner.key, {
      clientOrderId: `book-${++n}`,
      skuCode: SKU,
      regionCode: REGION,
      quantity,
      limitPrice,
      timeInForce,
    });
    expect(res.errors).toBeUndefined();
    return res.data!.placeOrder.id;
  };
  const bookDrift = (em: Pick<EntityManager, 'query'> = stack.dataSource) => em.query(OPEN_BOOK_DRIFT);
  const inBook = async (id: string) =>
    (await stack.dataSource.query('SELECT resting FROM order_book WHERE order_id = $1', [id]))[0] as { resting: boolean } | undefined;
  const run = (market = marketId) => stack.get(MatchingService).run(market);
  /** `count` resting bids of a partner (this file's, unless told) written with SQL, limits spread above `minLimit`. */
  const restingBids = (prefix: string, market: string, regionCode: string, count: number, minLimit: number, partnerId = partner.id) =>
    insertRestingOrders(stack.dataSource, {
      prefix,
      marketId: market,
      partnerIds: [partnerId],
      count,
      minLimit,
    });

  /** Orders filled whole in plain SQL, as a run writes them. */
  const fillWhole = (em: EntityManager, ids: string[]) =>
    em.query(
      `UPDATE orders SET filled_quantity = quantity, filled_amount = quantity * limit_price, status = 'FILLED', status_reason = NULL,
              resting = true, updated_at = now()
        WHERE id = ANY($1::uuid[])`,
      [ids],
    );
  /**
   * What this backend did to `table` and has not reported yet (`pg_stat_xact_user_tables`): its
   * sequential scans, updates and HOT updates. Earlier transactions' may be in it: compare before
   * and after.
   */
  const uncounted = async (em: EntityManager, table: string) =>
    (
      await em.query(
        `SELECT seq_scan::int AS scans, n_tup_upd::int AS updated, n_tup_hot_upd::int AS hot FROM pg_stat_xact_user_tables WHERE relname = $1`,
        [table],
      )
    )[0] as { scans: number; updated: number; hot: number };

  /** A market of the SKU in `regionCode`, `units` received, offered at 100,000.00. */
  const offered = async (regionCode: string, units: number) => {
    await pool.receive(SKU, regionCode, units);
    await pool.ask(SKU, regionCode, '100000.00');
    return pool.marketId(SKU, regionCode);
  };

  beforeAll(async () => {
    // Runs of several pages (RUN_BATCH, 10,000 bids): one run may fill more than the default MATCH_RUN_LIMIT.
    stack = await startStack({ env: { MATCH_RUN_LIMIT: '100000' } });
    pool = new Pool(stack);
    partner = await pool.partner('Book Keeper', 'SG');
    await pool.receive(SKU, REGION, 100);
    await pool.ask(SKU, REGION, '100000.00');
    await pool.share('0.00', SKU);
    marketId = await pool.marketId(SKU, REGION);
  });
  afterAll(() => stack.close());

  it('adds a placed order, marks it seen by a run, takes it out when it fills, ends or is cancelled', async () => {
    const resting = await place(2, '120000.00');
    const cancelled = await place(1, '110000.00');
    const ioc = await place(1, '130000.00', 'IOC');
    expect(await inBook(resting)).toEqual({ resting: false });
    expect(await inBook(ioc)).toEqual({ resting: false });

    await run(); // nothing to sell: the GTC bids rest, the IOC bid is cancelled
    expect(await inBook(resting)).toEqual({ resting: true });
    expect(await inBook(cancelled)).toEqual({ resting: true });
    expect(await inBook(ioc)).toBeUndefined();

    expect((await pool.cancel(partner.key, cancelled)).errors).toBeUndefined();
    expect(await inBook(cancelled)).toBeUndefined();

    await pool.share('2.00', SKU); // 2 units of 100
    await run();
    expect((await pool.order(partner.key, resting)).status).toBe('FILLED');
    expect(await inBook(resting)).toBeUndefined();
    expect(await bookDrift()).toEqual([]);
    expect(await tradingViolations(stack.dataSource)).toEqual({});
  });

  it('follows plain SQL: a bulk insert, a many-row update that ends half of it, copied columns changed', async () => {
    await restingBids('sql-', marketId, REGION, 50, 1_000);
    expect(await bookDrift()).toEqual([]);
    // Rolled back: these writes skip what a cancel gives back, which other tests check.
    await rolledBack(stack.dataSource, async (em) => {
      await em.query(
        `UPDATE orders SET status = 'CANCELLED', hold_released = hold_amount WHERE starts_with(client_order_id, 'sql-') AND seq % 2 = 0`,
      );
      await em.query(`UPDATE orders SET limit_price = limit_price + 1 WHERE starts_with(client_order_id, 'sql-') AND seq % 3 = 0`);
      // A partial fill as phase 1 reads it from the book: what is filled of the order.
      await em.query(
        `UPDATE orders SET filled_quantity = 1, status = 'PARTIALLY_FILLED' WHERE starts_with(client_order_id, 'sql-') AND status = 'OPEN' AND quantity > 1`,
      );
      expect(await bookDrift(em)).toEqual([]);
      const [{ open }] = await em.query(
        `SELECT count(*)::int AS open FROM order_book b JOIN orders o ON o.id = b.order_id WHERE starts_with(o.client_order_id, 'sql-')`,
      );
      expect(open).toBe(25);
    });
    expect(await bookDrift()).toEqual([]);
  });

  it('fills a book deeper than a page best first across pages, and keeps what is left', async () => {
    // 2 % of 1,700,000 units: 34,000 to sell to 12,000 bids of 1-5 units, best first: a full page of
    // RUN_BATCH (10,000 bids), then a second page, and a bid filled in part where the units run out.
    const sell = 34_000;
    const deepMarket = await offered(DEEP_REGION, 1_700_000);
    await restingBids('deep-', deepMarket, DEEP_REGION, 12_000, 100_000);
    const book: { id: string; quantity: number }[] = await stack.dataSource.query(
      `SELECT o.id, o.quantity FROM order_book b JOIN orders o ON o.id = b.order_id WHERE b.market_id = $1 ORDER BY b.limit_price DESC, b.seq`,
      [deepMarket],
    );
    expect((await stack.get(InventoryService).findMarket(SKU, DEEP_REGION))!.availableUnits).toBe(sell);

    const summary = await run(deepMarket);
    expect(summary.unitsSold).toBe(sell);
    const expected = new Map<string, number>();
    let left = sell;
    for (const bid of book) {
      if (left === 0) break;
      expected.set(bid.id, Math.min(bid.quantity, left));
      left -= expected.get(bid.id)!;
    }
    expect(expected.size).toBeGreaterThan(11_000);
    const filled: { id: string; filled: number }[] = await stack.dataSource.query(
      `SELECT id, filled_quantity AS filled FROM orders WHERE market_id = $1 AND filled_quantity > 0`,
      [deepMarket],
    );
    expect(new Map(filled.map((o) => [o.id, o.filled]))).toEqual(expected);
    expect(await bookDrift()).toEqual([]);
    expect(await tradingViolations(stack.dataSource)).toEqual({});
  });

  it('expires the bids whose time ran out deep in the book, and fills none of them', async () => {
    // 2 % of 500,000 units: 10,000, enough for every bid.
    const market = await offered(EXPIRY_REGION, 500_000);
    await restingBids('late-', market, EXPIRY_REGION, 3_000, 100_000);
    // Bids deep in the book whose time ran out.
    const expired: { id: string }[] = await stack.dataSource.query(
      `WITH late AS (
         UPDATE orders SET expires_at = now() - interval '1 minute'
          WHERE id IN (SELECT order_id FROM order_book WHERE market_id = $1 ORDER BY limit_price DESC, seq OFFSET 1500 LIMIT 100)
         RETURNING id)
       SELECT id FROM late`,
      [market],
    );
    expect(expired.length).toBe(100);

    const summary = await run(market);
    expect(summary.ended).toBe(100);
    const [{ filled, ended }] = await stack.dataSource.query(
      `SELECT count(*) FILTER (WHERE status = 'FILLED')::int AS filled,
              count(*) FILTER (WHERE status = 'EXPIRED' AND filled_quantity = 0 AND id = ANY($2::uuid[]))::int AS ended
         FROM orders WHERE market_id = $1`,
      [market, expired.map((o) => o.id)],
    );
    expect({ filled, ended }).toEqual({ filled: 2_900, ended: 100 });
    expect(await bookDrift()).toEqual([]);
    expect(await tradingViolations(stack.dataSource)).toEqual({});
  });

  it('reads on past bids it may not fill (their partner was blocked) while units are left', async () => {
    // 2 % of 150 units: 3 to sell. The best three bids are a partner's whose country the SKU may no
    // longer go to; a page of three (one bid per unit) would hold only them, so the run must end them
    // before it reads the book.
    const market = await offered(BLOCK_REGION, 150);
    const blocked = await pool.partner('Blocked Desk', 'MY');
    await restingBids('blocked-', market, BLOCK_REGION, 3, 120_000, blocked.id);
    await restingBids('next-', market, BLOCK_REGION, 3, 100_000);
    await pool.ok(stack.adminKey, `mutation($input: SetExportRuleInput!) { setExportRule(input: $input) }`, {
      input: { skuCode: SKU, countryCode: 'MY', rule: 'PROHIBITED' },
    });

    const summary = await run(market);
    expect(summary).toMatchObject({ unitsSold: 3, ended: 3 });
    const orders: { prefix: string; status: string; filled: number }[] = await stack.dataSource.query(
      `SELECT split_part(client_order_id, '-', 1) AS prefix, status, filled_quantity AS filled FROM orders WHERE market_id = $1`,
      [market],
    );
    expect(orders.filter((o) => o.prefix === 'blocked').map((o) => o.status)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED']);
    expect(orders.filter((o) => o.prefix === 'next').reduce((sum, o) => sum + o.filled, 0)).toBe(3);
    expect(await bookDrift()).toEqual([]);
    expect(await tradingViolations(stack.dataSource)).toEqual({});
  });

  it('fills an order in place: no index of orders covers what a fill changes (a HOT update)', async () => {
    await restingBids('hot-', marketId, REGION, 200, 1_000);
    const ids = (await stack.dataSource.query<{ id: string }[]>(`SELECT id FROM orders WHERE starts_with(client_order_id, 'hot-')`)).map(
      (r) => r.id,
    );
    expect(ids.length).toBe(200);
    await rolledBack(stack.dataSource, async (em) => {
      const before = await uncounted(em, 'orders');
      await fillWhole(em, ids);
      const after = await uncounted(em, 'orders');
      expect({ updated: after.updated - before.updated, hot: after.hot - before.hot }).toEqual({ updated: 200, hot: 200 });
      expect(await em.query('SELECT 1 FROM order_book WHERE order_id = ANY($1::uuid[])', [ids])).toEqual([]);
    });
  });

  it('takes a page of filled orders out of the book by key, never by a scan of the whole book', async () => {
    // A book deeper than a page: a page of 10,000 bids filled out of 30,000.
    await restingBids('deep-book-', marketId, REGION, 30_000, 1_000);
    const ids = (
      await stack.dataSource.query<{ id: string }[]>(
        `SELECT id FROM orders WHERE starts_with(client_order_id, 'deep-book-') ORDER BY limit_price DESC, seq LIMIT 10000`,
      )
    ).map((r) => r.id);
    await stack.dataSource.query('ANALYZE order_book');
    await rolledBack(stack.dataSource, async (em) => {
      const before = await uncounted(em, 'order_book');
      await fillWhole(em, ids);
      expect((await uncounted(em, 'order_book')).scans - before.scans).toBe(0);
      expect(await em.query('SELECT 1 FROM order_book WHERE order_id = ANY($1::uuid[])', [ids])).toEqual([]);
      expect(await bookDrift(em)).toEqual([]);
    });
  });

  it('plans the pages of a phase 1 without nested loops, whatever the statistics say: its orders found by one scan of their keys', async () => {
    // Two pages of bids. With the book's statistics behind it (a bulk load before autovacuum's
    // ANALYZE), the planner took a page of 10,000 for one bid, and found each fill's order by an
    // index scan that also tested the page's whole array of keys: 10,000 × 10,000. The page is
    // planned without nested loops (resting-fills.ts), however the planner counts.
    const sku = 'A100';
    await pool.receive(sku, REGION, 1_000);
    await pool.ask(sku, REGION, '100000.00');
    const market = await pool.marketId(sku, REGION);
    await restingBids('two-pages-', market, REGION, 12_010, 100_000);

    await rolledBack(stack.dataSource, async (em) => {
      // Every top-level plan of this transaction reaches the client as a notice (auto_explain),
      // with the planner settings it was made under.
      const client = (await em.queryRunner!.connect()) as PoolClient;
      const plans: string[] = [];
      const onNotice = (notice: { message?: string }) => plans.push(notice.message ?? '');
      client.on('notice', onNotice);
      try {
        await em.query(`LOAD 'auto_explain'`);
        await em.query(
          'SET LOCAL auto_explain.log_min_duration = 0; SET LOCAL auto_explain.log_level = notice; SET LOCAL auto_explain.log_settings = on',
        );
        const resting = stack.get(RestingFills);
        const run = { marketId: market, skuCode: sku, regionCode: REGION, executedAt: new Date() };
        const ask = new Decimal('100000.00');
        const [first, second] = await resting.withoutNestedLoops(em, async () => {
          const page = await resting.fillPage(em, run, ask, 1_000_000, 10_000, null);
          return [page, await resting.fillPage(em, run, ask, 1_000_000 - page.units, 10_000, page.last)];
        });
        expect([first.raw.rows.length, second.raw.rows.length]).toEqual([10_000, 2_010]);
      } finally {
        client.removeListener('notice', onNotice);
      }
      const pages = plans.filter((plan) => plan.includes('Insert on fill'));
      expect(pages).toHaveLength(2);
      for (const plan of pages) {
        expect(plan).toContain(`Settings: enable_nestloop = 'off'`);
        expect(plan).not.toContain('Nested Loop');
        expect(plan).toMatch(/Bitmap Index Scan on "?PK_[^\n]*\n\s*Index Cond: \(id = ANY/);
      }
      // The run's other statements are planned as configured.
      expect(await em.query(`SELECT current_setting('enable_nestloop') AS setting`)).toEqual([{ setting: 'on' }]);
    });
  });

  it('migrates a database with orders both ways: down brings back the partial indexes, up copies the open orders into the book with what phase 1 reads', async () => {
    const [{ open, closed }] = await stack.dataSource.query(
      `SELECT count(*) FILTER (WHERE status IN ('OPEN', 'PARTIALLY_FILLED'))::int AS open,
              count(*) FILTER (WHERE status NOT IN ('OPEN', 'PARTIALLY_FILLED'))::int AS closed
         FROM orders`,
    );
    expect(open).toBeGreaterThan(100);
    expect(closed).toBeGreaterThan(100);
    const partialIndexes = `SELECT indexname FROM pg_indexes WHERE indexname IN ('orders_book', 'orders_open_partner', 'orders_open_expiry')`;
    const migrations = await new DataSource(dataSourceOptions(stack.env.DATABASE_URL, MIGRATIONS, [], 1)).initialize();
    try {
      const bookColumns = () =>
        migrations.query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'order_book'`);
      expect(await bookColumns()).toEqual([{ n: 11 }]);
      await undoMigrationsThrough(migrations, BookHoldsBids1796500000000.name);
      expect(await bookColumns()).toEqual([{ n: 7 }]);
      await undoMigrationsThrough(migrations, OrderBook1796400000000.name);
      expect(await migrations.query(`SELECT to_regclass('order_book') AS book`)).toEqual([{ book: null }]);
      expect(await migrations.query(partialIndexes)).toHaveLength(3);

      await migrations.runMigrations({ transaction: 'each' });
      expect(await migrations.query(OPEN_BOOK_DRIFT)).toEqual([]);
      expect(await migrations.query('SELECT count(*)::int AS n FROM order_book')).toEqual([{ n: open }]);
      expect(await migrations.query(partialIndexes)).toEqual([]);
    } finally {
      await migrations.destroy();
    }
  });
});

class RollBack extends Error {}

/** Runs `work` in a transaction that is rolled back whatever it does. */
async function rolledBack(dataSource: DataSource, work: (em: EntityManager) => Promise<void>): Promise<void> {
  await dataSource
    .transaction(async (em) => {
      await work(em);
      throw new RollBack();
    })
    .catch((error: unknown) => {
      if (!(error instanceof RollBack)) throw error;
    });
}
