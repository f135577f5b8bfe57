import { Queue } from 'bullmq';
import { codesOf } from './support/graphql-client';
import { Pool } from './support/pool';
import { AppProcess, startWorkerProcess } from './support/processes';
import { startStack, TestStack } from './support/stack';
import { matchingQueue, matchingQuiet, tradingViolations } from './support/trading-invariants';
import type { TimeInForce } from './support/graphql/generated/graphql';

const SKU = 'ASCEND-910B';
const REGION = 'cn-shanghai';
const ASK = 100_000;

/** A small deterministic generator, so a failing run can be replayed. */
function generator(seed: number) {
  let state = seed;
  return (n: number) => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state % n;
  };
}

describe('the cap and the books under concurrent orders, two workers and a share raise', () => {
  let stack: TestStack;
  let pool: Pool;
  let worker: AppProcess;
  let queue: Queue;
  let partners: { id: string; key: string }[];

  beforeAll(async () => {
    stack = await startStack({ worker: true });
    worker = await startWorkerProcess(stack.env);
    pool = new Pool(stack);
    queue = matchingQueue(stack);
    partners = [];
    for (let i = 0; i < 12; i++) partners.push(await pool.partner(`Racer ${i}`, i % 3 === 0 ? 'CN' : 'SG'));
    await pool.receive(SKU, REGION, 9900);
    await pool.ask(SKU, REGION, `${ASK}.00`);
    await pool.share('0.50', SKU); // cap 49 while the first orders arrive
  });
  afterAll(async () => {
    await worker?.kill();
    await queue?.close();
    await stack?.close();
  });

  it('sells exactly the cap of 99, never overfills an order and keeps every credit hold and export count exact', async () => {
    const next = generator(20_260_501);
    const specs = Array.from({ length: 132 }, (_, i) => {
      const roll = next(100);
      return {
        who: partners[i % partners.length]!,
        input: {
          clientOrderId: `race-${i}`,
          skuCode: SKU,
          regionCode: REGION,
          quantity: 1 + next(5),
          // Most bids are marketable, some are below the ask and must never trade.
          limitPrice: roll < 85 ? `${ASK + next(40) * 500}.${String(next(100)).padStart(2, '0')}` : `${ASK - 1 - next(5_000)}.00`,
          timeInForce: (roll % 10 === 0 ? 'IOC' : roll % 10 === 1 ? 'FOK' : 'GTC') as TimeInForce,
        },
      };
    });

    const placing = specs.map(async ({ who, input }, i) => {
      const res = await pool.place(who.key, input);
      expect({ i, errors: res.errors }).toEqual({ i, errors: undefined });
      const order = res.data!.placeOrder;
      // Every seventh order is cancelled at once, racing its own match.
      if (i % 7 === 3) {
        const cancelled = await pool.cancel(who.key, order.id);
        expect(cancelled.errors === undefined || codesOf(cancelled).join() === 'ORDER_NOT_CANCELLABLE').toBe(true);
      }
      return order;
    });
    const raising = new Promise((r) => setTimeout(r, 150)).then(() => pool.share('1.00', SKU)); // cap 99 mid-stream
    const orders = await Promise.all(placing);
    await raising;
    expect(new Set(orders.map((o) => o.id)).size).toBe(specs.length);

    await matchingQuiet(stack, queue);
    expect(await pool.market(SKU, REGION)).toMatchObject({ capUnits: 99, committedUnits: 99, availableUnits: 0 });
    const [{ sold }] = await stack.dataSource.query(`SELECT sum(quantity)::int AS sold FROM fill WHERE sku_code = $1`, [SKU]);
    expect(sold).toBe(99);
    expect(await tradingViolations(stack.dataSource)).toEqual({});

    // Prices: a new bid trades at the ask, a resting one at its own limit; never above the limit, never below the ask.
    const badPrices = await stack.dataSource.query(
      `SELECT f.id, f.price, o.limit_price FROM fill f JOIN orders o ON o.id = f.order_id WHERE f.price > o.limit_price OR f.price < $1`,
      [ASK],
    );
    expect(badPrices).toEqual([]);
    // FOK orders filled entirely or not at all; no order below the ask filled.
    const fok = await stack.dataSource.query(`SELECT id FROM orders WHERE time_in_force = 'FOK' AND filled_quantity NOT IN (0, quantity)`);
    expect(fok).toEqual([]);
    const [{ below }] = await stack.dataSource.query(
      `SELECT count(*)::int AS below FROM orders WHERE limit_price < $1 AND filled_quantity > 0`,
      [ASK],
    );
    expect(below).toBe(0);
    // Nothing failed along the way in either worker, not even once before a retry (a deadlock would).
    expect(await queue.getJobCounts('failed')).toEqual({ failed: 0 });
    const retried = (await queue.getJobs(['completed'])).filter((job) => job.attemptsStarted > 1);
    expect(retried.map((job) => job.failedReason)).toEqual([]);
    expect(worker.log()).not.toMatch(/"level":50/);
  }, 120_000);

  it('sells nothing more when the share is raised again with no bid left at or above the ask', async () => {
    // A market of its own: its cap (49) sold out to bids at the ask, the rest of its book below the ask.
    const sku = 'ASCEND-910C';
    await pool.receive(sku, REGION, 9900);
    await pool.ask(sku, REGION, `${ASK}.00`);
    await pool.share('0.50', sku);
    const bids = [
      ...Array.from({ length: 7 }, () => ({ quantity: 7, limitPrice: `${ASK}.00` })),
      ...Array.from({ length: 5 }, (_, i) => ({ quantity: 3, limitPrice: `${ASK - 1 - i * 100}.00` })),
    ];
    for (const [i, bid] of bids.entries()) {
      const res = await pool.place(partners[i % partners.length]!.key, {
        clientOrderId: `again-${i}`,
        skuCode: sku,
        regionCode: REGION,
        timeInForce: 'GTC',
        ...bid,
      });
      expect(res.errors).toBeUndefined();
    }
    await matchingQuiet(stack, queue);
    expect(await pool.market(sku, REGION)).toMatchObject({ capUnits: 49, committedUnits: 49, availableUnits: 0 });

    await pool.share('2.00', sku); // cap 198
    await matchingQuiet(stack, queue);
    const market = await pool.market(sku, REGION);
    const [{ sold }] = await stack.dataSource.query(`SELECT sum(quantity)::int AS sold FROM fill WHERE sku_code = $1`, [sku]);
    expect(market).toMatchObject({ capUnits: 198, committedUnits: 49 });
    expect(sold).toBe(49);
    expect(await tradingViolations(stack.dataSource)).toEqual({});
  });
});
