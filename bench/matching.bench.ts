import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { InventoryService } from '@gpupool/inventory';
import { MatchingService } from '@gpupool/trading';
import { insertRestingOrders } from '../test/support/bulk-orders';
import { Pool } from '../test/support/pool';
import { BENCH_CREDIT_LIMIT, scaled, startBenchStack } from './support/bench-stack';
import { topStatements } from './support/top-statements';

/**
 * Matching catch-up: N resting GTC orders (100,000 × BENCH_SCALE, inserted with SQL, over 100
 * partners) all become marketable with one share raise, and one match run fills every one of them.
 * Baseline, in the same database and run: a plain `INSERT INTO fill … SELECT` of N fill rows from
 * those orders (same table, indexes, checks and foreign keys; rolled back), the least any matcher
 * writing N fills must pay. A second baseline does the same writes as the run, set-based in SQL:
 * that insert, every order's state, the market's units sold (rolled back).
 */
const SKU = 'ASCEND-910B';
const REGION = 'cn-beijing';

export async function run(): Promise<string> {
  const count = scaled(100_000, 1_000);
  // One run fills them all, whatever the deployment's limit of a run.
  const stack = await startBenchStack('matching', { MATCH_RUN_LIMIT: String(count) });
  try {
    const pool = new Pool(stack);
    const partnerIds: string[] = [];
    for (let i = 0; i < 100; i++) partnerIds.push((await pool.partner(`Bench Matcher ${i}`, 'SG', BENCH_CREDIT_LIMIT)).id);
    await pool.receive(SKU, REGION, count * 50, '90000.00');
    await pool.ask(SKU, REGION, '100000.00');
    const marketId = (await stack.app.get(InventoryService).findMarket(SKU, REGION))!.id;
    const { units } = await insertRestingOrders(stack.dataSource, {
      prefix: 'bench-',
      marketId,
      skuCode: SKU,
      regionCode: REGION,
      partnerIds,
      count,
      minLimit: 100_000,
    });
    await stack.dataSource.query('VACUUM ANALYZE orders, order_book');

    const baseline = await medianOfThree(() => rolledBackSeconds(stack.dataSource, [INSERT_FILLS], marketId));
    const sameWrites = await medianOfThree(() => rolledBackSeconds(stack.dataSource, [INSERT_FILLS, FILL_ORDERS, COMMIT_UNITS], marketId));

    // The share raise commits and asks for a match run; no worker runs here, so the run below is the only one.
    await pool.share('8.00', SKU, 'benchmark: catch-up');
    const matching = stack.app.get(MatchingService);
    // Lock to commit by Postgres's clock: from just before the run to its transaction's commit
    // timestamp (the market row it last wrote). Node's own clock would see the commit only once the
    // run's post-commit work lets the event loop turn.
    let startedAt = 0;
    let started = 0;
    const memory = new MemoryPeak();
    const { measured: summary, statements } = await topStatements(stack.env.DATABASE_URL, 'the match run', async () => {
      [{ at: startedAt }] = await stack.dataSource.query('SELECT extract(epoch FROM clock_timestamp()) AS at');
      started = performance.now();
      return matching.run(marketId);
    });
    const returned = performance.now();
    memory.stop();
    const [{ at: committedAt }] = await stack.dataSource.query(
      'SELECT extract(epoch FROM pg_xact_commit_timestamp(xmin)) AS at FROM market WHERE id = $1',
      [marketId],
    );
    const [check] = await stack.dataSource.query(
      `SELECT (SELECT count(*)::int FROM fill) AS fills, (SELECT sum(quantity)::int FROM fill) AS sold,
              (SELECT count(*)::int FROM orders WHERE status <> 'FILLED') AS unfilled`,
    );
    if (summary.fills !== count || check.fills !== count || check.sold !== units || check.unfilled !== 0) {
      throw new Error(`the run did not fill every order: ${JSON.stringify({ summary, check, count, units })}`);
    }

    const run = (returned - started) / 1000;
    const toCommit = Number(committedAt) - Number(startedAt);
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    return [
      '## Matching catch-up',
      '',
      `${fmt(count)} resting orders (${fmt(units)} units, 100 partners; 100,000 × BENCH_SCALE) filled by one match run after one share raise. ` +
        'Baseline in the same database and run: `INSERT INTO fill … SELECT` of as many fill rows from those orders (median of 3, rolled back). ' +
        'Second baseline: the same writes as the run, set-based in SQL in one transaction (that insert, one `UPDATE orders` filling every order, ' +
        'one `UPDATE market` of the units sold; median of 3, rolled back).',
      '',
      '| | seconds | orders/s | ratio to baseline | ratio to the same writes in SQL |',
      '| --- | ---: | ---: | ---: | ---: |',
      `| match run, lock to commit (fills, order states, holds, units sold) | ${toCommit.toFixed(2)} | ${fmt(count / toCommit)} | ${(baseline / toCommit).toFixed(2)} | ${(sameWrites / toCommit).toFixed(2)} |`,
      `| match run, whole job (also queues the settlement of ${fmt(count)} fills, 1,000 a job, and publishes ${fmt(count)} order events) | ${run.toFixed(2)} | ${fmt(count / run)} | ${(baseline / run).toFixed(2)} | ${(sameWrites / run).toFixed(2)} |`,
      `| baseline: INSERT INTO fill … SELECT | ${baseline.toFixed(2)} | ${fmt(count / baseline)} | 1.00 | |`,
      `| second baseline: the same writes in SQL (fills, orders, units sold) | ${sameWrites.toFixed(2)} | ${fmt(count / sameWrites)} | | 1.00 |`,
      '',
      `Memory of this process over the run (MATCH_RUN_LIMIT=${count}; a run holds its events until they are published): ` +
        `RSS ${memory.describe('rss')}, V8 heap used ${memory.describe('heapUsed')}.`,
      '',
      ...statements,
      '',
    ].join('\n');
  } finally {
    await stack.close();
  }
}

/** One fill row per order of the market ($1), as one statement. */
const INSERT_FILLS = `INSERT INTO fill (order_id, partner_id, market_id, sku_code, region_code, quantity, price, amount, hold_amount)
  SELECT id, partner_id, market_id, sku_code, region_code, quantity, limit_price, quantity * limit_price, hold_amount
    FROM orders WHERE market_id = $1`;
/** Every open order of the market filled, as a run writes its state back. */
const FILL_ORDERS = `UPDATE orders SET filled_quantity = quantity, filled_amount = quantity * limit_price, status = 'FILLED',
    status_reason = NULL, resting = true, updated_at = now()
  WHERE market_id = $1 AND status IN ('OPEN', 'PARTIALLY_FILLED')`;
/** The units sold added to the market. */
const COMMIT_UNITS = `UPDATE market SET committed_units = committed_units + (SELECT sum(quantity) FROM orders WHERE market_id = $1) WHERE id = $1`;

/** The highest RSS and V8 heap used of this process from now until `stop`, sampled every 20 ms. */
class MemoryPeak {
  private readonly before = process.memoryUsage();
  private readonly peak = { ...this.before };
  private readonly timer = setInterval(() => this.sample(), 20);

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  describe(kind: 'rss' | 'heapUsed'): string {
    const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
    return `${mb(this.before[kind])} before, ${mb(this.peak[kind])} at most (+${mb(this.peak[kind] - this.before[kind])})`;
  }

  private sample(): void {
    const now = process.memoryUsage();
    this.peak.rss = Math.max(this.peak.rss, now.rss);
    this.peak.heapUsed = Math.max(this.peak.heapUsed, now.heapUsed);
  }
}

async function medianOfThree(measure: () => Promise<number>): Promise<number> {
  const seconds: number[] = [];
  for (let i = 0; i < 3; i++) seconds.push(await measure());
  return seconds.sort((a, b) => a - b)[1]!;
}

/** Seconds to run `statements` (each with the market id as $1) in one transaction, rolled back. */
async function rolledBackSeconds(dataSource: import('typeorm').DataSource, statements: string[], marketId: string): Promise<number> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    const started = performance.now();
    for (const statement of statements) await runner.query(statement, [marketId]);
    const seconds = (performance.now() - started) / 1000;
    await runner.rollbackTransaction();
    return seconds;
  } finally {
    await runner.release();
  }
}

if (require.main === module) {
  void run().then(console.log, (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
