import Redis from 'ioredis';
import { insertRestingOrders } from './support/bulk-orders';
import { eventually, Pool } from './support/pool';
import { AppProcess, startWorkerProcess } from './support/processes';
import { startStack, TestStack } from './support/stack';
import { matchingQueue, matchingQuiet, tradingViolations } from './support/trading-invariants';

/** Short locks and stalled checks, so a killed worker's job is taken over within seconds. */
const QUICK_RECOVERY = { WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000', SWEEP_INTERVAL_MS: '1000' };

/** Orders that were in the catch-up but did not fill, though a lower limit (or the same limit, later) did. */
const PRIORITY_BROKEN = `
  SELECT w.id, w.limit_price, w.seq FROM orders w
   WHERE w.market_id = $1 AND w.filled_quantity < w.quantity
     AND EXISTS (SELECT 1 FROM orders f WHERE f.market_id = $1 AND f.filled_quantity > 0
                   AND (f.limit_price < w.limit_price OR (f.limit_price = w.limit_price AND f.seq > w.seq)))`;

describe('nothing lost: a worker killed in the middle of a match run, and a flushed Redis', () => {
  let stack: TestStack;
  let pool: Pool;
  const workers: AppProcess[] = [];
  let partnerIds: string[];

  beforeAll(async () => {
    stack = await startStack({ env: QUICK_RECOVERY });
    pool = new Pool(stack);
    partnerIds = [];
    for (let i = 0; i < 12; i++) partnerIds.push((await pool.partner(`Crash Partner ${i}`, 'SG')).id);
  });
  afterAll(async () => {
    for (const worker of workers) await worker.kill();
    await stack?.close();
  });

  it('rolls back a run killed with SIGKILL entirely; another worker takes the job over and matches every order once', async () => {
    const SKU = 'ASCEND-910B';
    const REGION = 'cn-beijing';
    await pool.receive(SKU, REGION, 500_000);
    await pool.ask(SKU, REGION, '100000.00');
    const marketId = await pool.marketId(SKU, REGION);
    const { units } = await insertRestingOrders(stack.dataSource, {
      prefix: 'crash-',
      marketId,
      partnerIds,
      count: 20_000,
      minLimit: 100_000,
    });
    expect(units).toBeGreaterThan(40_000);

    const first = await startWorkerProcess(stack.env);
    workers.push(first);
    await pool.share('8.00', SKU); // cap 40,000 of the 60,000 units bid: one long run

    // Kill the worker once its run has started writing (it holds a row-exclusive lock on orders or fill).
    const midRun = await eventually(
      () =>
        stack.dataSource.query(
          `SELECT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
            WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND c.relname IN ('orders', 'fill') AND l.mode = 'RowExclusiveLock' AND l.granted AND l.pid <> pg_backend_pid()`,
        ),
      (rows: unknown[]) => rows.length > 0,
      30_000,
    );
    expect(midRun.length).toBeGreaterThan(0);
    await first.kill();

    // Nothing of the run survived: no fill, no unit sold, every order still open and untouched.
    await eventually(
      () =>
        stack.dataSource.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL`,
        ),
      (rows: { n: number }[]) => rows[0]!.n === 0,
    );
    const [after] = await stack.dataSource.query(
      `SELECT (SELECT count(*)::int FROM fill WHERE market_id = $1) AS fills,
              (SELECT committed_units FROM market WHERE id = $1)::int AS committed,
              (SELECT count(*)::int FROM orders WHERE market_id = $1 AND (status <> 'OPEN' OR filled_quantity > 0)) AS touched`,
      [marketId],
    );
    expect(after).toEqual({ fills: 0, committed: 0, touched: 0 });

    workers.push(await startWorkerProcess(stack.env));
    await eventually(
      () => pool.market(SKU, REGION),
      (m) => m.committedUnits === 40_000,
      60_000,
    );
    const queue = matchingQueue(stack);
    await matchingQuiet(stack, queue);
    await queue.close();

    const [books] = await stack.dataSource.query(
      `SELECT (SELECT sum(quantity)::int FROM fill WHERE market_id = $1) AS sold,
              (SELECT count(*)::int FROM (SELECT order_id FROM fill GROUP BY order_id HAVING count(*) > 1) twice) AS filled_twice`,
      [marketId],
    );
    expect(books).toEqual({ sold: 40_000, filled_twice: 0 });
    expect(await pool.market(SKU, REGION)).toMatchObject({ capUnits: 40_000, committedUnits: 40_000, availableUnits: 0 });
    expect(await stack.dataSource.query(PRIORITY_BROKEN, [marketId])).toEqual([]);
    expect(await tradingViolations(stack.dataSource)).toEqual({});
  }, 180_000);

  it('matches every open order once after Redis is flushed with its match jobs pending', async () => {
    const SKU = 'MLU370';
    const REGION = 'cn-shanghai';
    await pool.receive(SKU, REGION, 10_000);
    await pool.share('1.00', SKU); // cap 100
    await pool.ask(SKU, REGION, '60000.00');
    const partner = await pool.partner('Flush Partner', 'SG');
    // A worker of its own, stopped at the end: the test needs one, whatever ran before it.
    const worker = await startWorkerProcess(stack.env);
    const queue = matchingQueue(stack);
    await queue.pause(); // the worker takes nothing: the match jobs of the orders below stay pending
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await pool.place(partner.key, {
        clientOrderId: `flush-${i}`,
        skuCode: SKU,
        regionCode: REGION,
        quantity: 5,
        limitPrice: '61000.00',
      });
      expect(res.errors).toBeUndefined();
      ids.push(res.data!.placeOrder.id);
    }
    expect(await queue.count()).toBeGreaterThan(0);

    const redis = new Redis(stack.env.REDIS_URL);
    await redis.flushdb(); // jobs, the pause and the sweep's schedule are all gone
    await redis.quit();
    await queue.close();

    const done = await eventually(
      () => stack.dataSource.query(`SELECT count(*)::int AS unseen FROM orders WHERE id = ANY($1) AND NOT resting`, [ids]),
      (rows: { unseen: number }[]) => rows[0]!.unseen === 0,
      30_000,
    );
    expect(done[0].unseen).toBe(0);
    const [books] = await stack.dataSource.query(
      `SELECT (SELECT sum(filled_quantity)::int FROM orders WHERE id = ANY($1)) AS filled,
              (SELECT count(*)::int FROM fill WHERE order_id = ANY($1)) AS fills,
              (SELECT count(DISTINCT order_id)::int FROM fill WHERE order_id = ANY($1)) AS orders_filled`,
      [ids],
    );
    expect(books).toEqual({ filled: 100, fills: 20, orders_filled: 20 }); // the first 20 orders take the cap, once each
    expect(await tradingViolations(stack.dataSource)).toEqual({});
    await worker.stop();
  }, 120_000);
});
