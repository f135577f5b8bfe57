import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { MatchingService, TradingSweep } from '@gpupool/trading';
import { MatchTrigger } from '../libs/trading/src/match-trigger';
import { insertRestingOrders } from './support/bulk-orders';
import { Pool } from './support/pool';
import { imageNodeOptions, mebibytes } from './support/image';
import { AppProcess, startWorkerProcess } from './support/processes';
import { startStack, TestStack } from './support/stack';
import { matchingQueue, matchingQuiet, OPEN_BOOK_DRIFT, tradingViolations } from './support/trading-invariants';

const SKU = 'H100';
const LIMIT = 25;

/** A fill of a market, and when the run that wrote it ran (each run has its own `executed_at`). */
interface FillOfRun {
  orderId: string;
  executedAt: Date;
}

/** Each filled order's run: 0 for the first run, 1 for the next… */
function runOfOrders(fills: FillOfRun[]): Map<string, number> {
  const runs = [...new Set(fills.map((f) => f.executedAt.getTime()))].sort((a, b) => a - b);
  return new Map(fills.map((f) => [f.orderId, runs.indexOf(f.executedAt.getTime())]));
}

/** The run each bid of a book needs, best first: the first LIMIT bids in the first run, and so on. */
const byLimit = (book: string[]) => book.map((_, i) => Math.floor(i / LIMIT));

/**
 * A match run fills at most MATCH_RUN_LIMIT resting bids and sees at most MATCH_RUN_LIMIT new ones
 * (libs/trading/src/matching.service.ts); the rest of the book goes to follow-up runs it asks for,
 * so price-time priority holds across runs and every bid is met once.
 */
describe('a match run stops at its limit and asks for a follow-up', () => {
  const setUp = async (worker: boolean, region: string) => {
    const stack = await startStack({ worker, env: { MATCH_RUN_LIMIT: String(LIMIT) } });
    const pool = new Pool(stack);
    const partner = await pool.partner(`Run Limit ${region}`, 'SG');
    await pool.share('5.00', SKU);
    await pool.receive(SKU, region, 20 * 1_000); // 1,000 units for sale
    await pool.ask(SKU, region, '100000.00');
    return { stack, pool, partner, marketId: await pool.marketId(SKU, region) };
  };

  /** The resting bids of a market, best first, as phase 1 meets them. */
  const bestFirst = async (stack: TestStack, marketId: string): Promise<string[]> =>
    (
      await stack.dataSource.query(
        `SELECT b.order_id AS id FROM order_book b WHERE b.market_id = $1 AND b.resting ORDER BY b.limit_price DESC, b.seq`,
        [marketId],
      )
    ).map((r: { id: string }) => r.id);

  const fillsOf = (stack: TestStack, marketId: string): Promise<FillOfRun[]> =>
    stack.dataSource.query(`SELECT order_id AS "orderId", executed_at AS "executedAt" FROM fill WHERE market_id = $1`, [marketId]);

  const unseen = async (stack: TestStack, marketId: string): Promise<number> =>
    (await stack.dataSource.query(`SELECT count(*)::int AS n FROM order_book WHERE market_id = $1 AND NOT resting`, [marketId]))[0].n;

  describe('run by hand', () => {
    let stack: TestStack;
    let pool: Pool;
    let partner: { id: string; key: string };
    let marketId: string;
    let placed = 0;

    /** A new bid through the api: no run has seen it yet. */
    const placeNew = async (region: string) => {
      const res = await pool.place(partner.key, {
        clientOrderId: `new-${++placed}`,
        skuCode: SKU,
        regionCode: region,
        quantity: 2,
        limitPrice: '100500.00',
        timeInForce: 'GTC',
      });
      expect(res.errors).toBeUndefined();
      return res.data!.placeOrder.id;
    };

    beforeAll(async () => {
      ({ stack, pool, partner, marketId } = await setUp(false, 'cn-beijing'));
    });
    afterAll(() => stack.close());

    it('fills the best resting bids up to the limit per run, leaves new bids to the run that reaches them, and asks for more only while there is more', async () => {
      const matching = stack.get(MatchingService);
      const requested = jest.spyOn(stack.get(MatchTrigger), 'request');
      // 60 resting bids, better than the new ones placed after them (limits from 101,000.00 up).
      await insertRestingOrders(stack.dataSource, {
        prefix: 'deep-',
        marketId,
        partnerIds: [partner.id],
        count: 60,
        minLimit: 101_000,
      });
      const book = await bestFirst(stack, marketId);
      const newBids = [await placeNew('cn-beijing'), await placeNew('cn-beijing')];
      requested.mockClear();

      const runs = [];
      for (let i = 0; i < 3; i++) {
        const before = (await fillsOf(stack, marketId)).length;
        const summary = await matching.run(marketId);
        const fills = await fillsOf(stack, marketId);
        runs.push({ summary, fills: fills.length - before, unseen: await unseen(stack, marketId), asked: requested.mock.calls.length });
      }
      expect(runs).toEqual([
        // Stopped in phase 1: the new bids wait behind the resting ones it did not reach.
        { summary: expect.objectContaining({ fills: LIMIT, more: true }), fills: LIMIT, unseen: 2, asked: 1 },
        { summary: expect.objectContaining({ fills: LIMIT, more: true }), fills: LIMIT, unseen: 2, asked: 2 },
        // The last 10 resting bids, then the two new ones: nothing left, nothing asked.
        { summary: expect.objectContaining({ fills: 12, more: false }), fills: 12, unseen: 0, asked: 2 },
      ]);
      expect(requested.mock.calls).toEqual([[[marketId]], [[marketId]]]);

      // Best first across runs: the runs' fills in order are the book's bids in order, then the new ones.
      const fills = await fillsOf(stack, marketId);
      const runOf = runOfOrders(fills);
      expect(book.map((id) => runOf.get(id))).toEqual(byLimit(book));
      expect(newBids.map((id) => runOf.get(id))).toEqual([2, 2]);
      expect(fills).toHaveLength(62);
      expect(await stack.dataSource.query(OPEN_BOOK_DRIFT)).toEqual([]);
      expect(await tradingViolations(stack.dataSource)).toEqual({});
    });

    it('sees at most the limit of new bids per run, the earliest first', async () => {
      const region = 'cn-shanghai';
      await pool.receive(SKU, region, 20 * 1_000);
      await pool.ask(SKU, region, '100000.00');
      const market = await pool.marketId(SKU, region);
      const bids: string[] = [];
      for (let i = 0; i < LIMIT + 5; i++) bids.push(await placeNew(region));
      const matching = stack.get(MatchingService);

      expect(await matching.run(market)).toEqual({ fills: LIMIT, unitsSold: 2 * LIMIT, ended: 0, more: true });
      const first = new Set((await fillsOf(stack, market)).map((f) => f.orderId));
      expect(bids.filter((id) => first.has(id))).toEqual(bids.slice(0, LIMIT));
      expect(await unseen(stack, market)).toBe(5);

      expect(await matching.run(market)).toEqual({ fills: 5, unitsSold: 10, ended: 0, more: false });
      expect(await unseen(stack, market)).toBe(0);
      expect(await tradingViolations(stack.dataSource)).toEqual({});
    });
    /** A market of the SKU in `region` with 1,000 units for sale, and its resting bids: 30 that must end first, then 10 of `partner`. */
    const endingFirst = async (region: string, ending: { id: string }) => {
      await pool.receive(SKU, region, 20 * 1_000);
      await pool.ask(SKU, region, '100000.00');
      const market = await pool.marketId(SKU, region);
      const bids = (prefix: string, partnerId: string, count: number) =>
        insertRestingOrders(stack.dataSource, {
          prefix,
          marketId: market,
          partnerIds: [partnerId],
          count,
          minLimit: 100_000,
        });
      await bids(`${region}-ending-`, ending.id, 30);
      await bids(`${region}-live-`, partner.id, 10);
      return market;
    };
    /**
     * Two runs of `market`: the first ends LIMIT of the 30 bids that must end and fills nothing, the
     * second ends the other 5 and fills the 10 live bids; none of the 30 ever fills.
     */
    const endsFirst = async (market: string, status: 'EXPIRED' | 'CANCELLED') => {
      const matching = stack.get(MatchingService);
      expect(await matching.run(market)).toEqual({ fills: 0, unitsSold: 0, ended: LIMIT, more: true });
      expect(await matching.run(market)).toEqual(expect.objectContaining({ fills: 10, ended: 5, more: false }));
      const outcome = await stack.dataSource.query(
        `SELECT split_part(o.client_order_id, '-', 3) AS kind, o.status, count(*)::int AS orders, count(f.id)::int AS fills
           FROM orders o LEFT JOIN fill f ON f.order_id = o.id WHERE o.market_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
        [market],
      );
      expect(outcome).toEqual([
        { kind: 'ending', status, orders: 30, fills: 0 },
        { kind: 'live', status: 'FILLED', orders: 10, fills: 10 },
      ]);
      expect(await tradingViolations(stack.dataSource)).toEqual({});
    };

    it('ends at most the limit of expired orders in a run, and a run that reached it fills nothing', async () => {
      const region = 'cn-guangzhou';
      const market = await endingFirst(region, partner);
      await stack.dataSource.query(`UPDATE orders SET expires_at = now() - interval '1 minute' WHERE starts_with(client_order_id, $1)`, [
        `${region}-ending-`,
      ]);
      await endsFirst(market, 'EXPIRED');
    });

    it('ends at most the limit of orders of blocked partners in a run, and a run that reached it fills nothing', async () => {
      const region = 'cn-wulanchabu';
      const blocked = await pool.partner('Run Limit Blocked', 'MY');
      const market = await endingFirst(region, blocked);
      await pool.ok(stack.adminKey, `mutation($input: SetExportRuleInput!) { setExportRule(input: $input) }`, {
        input: { skuCode: SKU, countryCode: 'MY', rule: 'PROHIBITED' },
      });
      await endsFirst(market, 'CANCELLED');
    });

    it('finishes a catch-up whose follow-up run was lost with Redis: the sweep asks for it again', async () => {
      const sku = 'A100';
      const region = 'cn-beijing';
      await pool.share('5.00', sku);
      await pool.receive(sku, region, 20 * 1_000);
      await pool.ask(sku, region, '100000.00');
      const market = await pool.marketId(sku, region);
      await insertRestingOrders(stack.dataSource, {
        prefix: 'lost-',
        marketId: market,
        partnerIds: [partner.id],
        count: 60,
        minLimit: 100_000,
      });
      const matching = stack.get(MatchingService);
      const queue = matchingQueue(stack);
      const waitingFor = async () =>
        (await queue.getJobs(['waiting', 'delayed', 'prioritized'])).filter((job) => job.data.marketId === market).length;
      try {
        expect(await matching.run(market)).toEqual(expect.objectContaining({ fills: LIMIT, more: true }));
        expect(await waitingFor()).toBe(1);
        // Redis loses every job, the follow-up with them.
        await queue.obliterate({ force: true });
        expect(await waitingFor()).toBe(0);

        await stack.get(TradingSweep).run();
        expect(await waitingFor()).toBe(1);
        // The runs it asks for, one after another, until the book is met.
        while ((await matching.run(market)).more);
        const [{ fills }] = await stack.dataSource.query(`SELECT count(*)::int AS fills FROM fill WHERE market_id = $1`, [market]);
        expect(fills).toBe(60);
        expect(await tradingViolations(stack.dataSource)).toEqual({});
      } finally {
        await queue.close();
      }
    });
  });

  describe('with a worker', () => {
    let stack: TestStack;

    afterAll(() => stack?.close());

    it('catches up a book four times its limit through follow-up runs alone, each within the limit, best first', async () => {
      const region = 'cn-wulanchabu';
      const setup = await setUp(true, region);
      stack = setup.stack;
      const queue = matchingQueue(stack);
      try {
        // 100 resting bids while nothing is for sale, then one share raise: one run, and the follow-ups it asks for.
        await setup.pool.share('0.00', SKU);
        await matchingQuiet(stack, queue);
        await insertRestingOrders(stack.dataSource, {
          prefix: 'catch-up-',
          marketId: setup.marketId,
          partnerIds: [setup.partner.id],
          count: 4 * LIMIT,
          minLimit: 100_000,
        });
        const book = await bestFirst(stack, setup.marketId);
        await setup.pool.share('5.00', SKU);
        await matchingQuiet(stack, queue);

        const fills = await fillsOf(stack, setup.marketId);
        expect(fills).toHaveLength(4 * LIMIT);
        const runOf = runOfOrders(fills);
        expect(new Set(runOf.values()).size).toBe(4);
        expect(book.map((id) => runOf.get(id))).toEqual(byLimit(book));
        expect(await stack.dataSource.query(OPEN_BOOK_DRIFT)).toEqual([]);
        expect(await tradingViolations(stack.dataSource)).toEqual({});
      } finally {
        await queue.close();
      }
    });
  });

  describe('a worker as the image runs it', () => {
    let stack: TestStack;
    let worker: AppProcess | undefined;

    afterAll(async () => {
      await worker?.kill();
      await stack?.close();
    });

    it('catches up 100,000 resting bids in runs of the default limit, under the heap cap of the image and the memory limit of its pod', async () => {
      // The image's NODE_OPTIONS caps V8's old space (256 MB). A single run of all 100,000 bids also
      // got through, but spent most of its time collecting garbage near the cap: 102 s, against 11 s
      // in runs of 10,000 (bench/RESULTS.md, Matching catch-up).
      const nodeOptions = imageNodeOptions();
      expect(nodeOptions).toMatch(/--max-old-space-size=\d+/);
      const pod = parse(readFileSync(resolve(__dirname, '../deploy/k8s/worker.yaml'), 'utf8'));
      const memoryLimitMb = mebibytes(pod.spec.template.spec.containers[0].resources.limits.memory);
      stack = await startStack();
      const pool = new Pool(stack);
      const region = 'cn-beijing';
      const partner = await pool.partner('Run Limit Deployed', 'SG', '1000000000000000.00');
      await pool.share('0.00', SKU);
      await pool.receive(SKU, region, 20 * 300_000);
      await pool.ask(SKU, region, '100000.00');
      const marketId = await pool.marketId(SKU, region);
      const { units } = await insertRestingOrders(stack.dataSource, {
        prefix: 'deployed-',
        marketId,
        partnerIds: [partner.id],
        count: 100_000,
        minLimit: 100_000,
      });
      worker = await startWorkerProcess({ ...stack.env, NODE_OPTIONS: nodeOptions });
      const queue = matchingQueue(stack);
      try {
        await pool.share('5.00', SKU);
        const deadline = Date.now() + 240_000;
        for (;;) {
          const [{ fills, sold }] = await stack.dataSource.query(
            `SELECT count(*)::int AS fills, coalesce(sum(quantity), 0)::int AS sold FROM fill WHERE market_id = $1`,
            [marketId],
          );
          if (fills === 100_000) {
            expect(sold).toBe(units);
            break;
          }
          if (!worker.alive() || Date.now() > deadline)
            throw new Error(`${fills} of 100,000 filled; worker log:\n${worker.log().slice(-3000)}`);
          await new Promise((r) => setTimeout(r, 500));
        }
        expect(worker.alive()).toBe(true);
        expect(worker.peakRssMb()).toBeLessThan(memoryLimitMb);
        const runs = await stack.dataSource.query(`SELECT count(DISTINCT executed_at)::int AS n FROM fill WHERE market_id = $1`, [
          marketId,
        ]);
        expect(runs).toEqual([{ n: 10 }]);
        await matchingQuiet(stack, queue);
        expect(await stack.dataSource.query(OPEN_BOOK_DRIFT)).toEqual([]);
      } finally {
        await queue.close();
      }
    }, 300_000);
  });
});
