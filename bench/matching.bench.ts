import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { InventoryService } from '@gpupool/inventory';
import { MatchingService } from '@gpupool/trading';
import { insertRestingOrders } from '../test/support/bulk-orders';
import { Pool } from '../test/support/pool';
import {
  BENCH_CREDIT_LIMIT,
  BenchDatabase,
  BenchStack,
  copyBenchDatabase,
  createBenchDatabase,
  scaled,
  startBenchApp,
} from './support/bench-stack';
import { Measured, measured } from './support/measured';
import { topStatements } from './support/top-statements';

/**
 * Matching catch-up: N resting GTC orders (100,000 × BENCH_SCALE, inserted with SQL, over 100
 * partners) all become marketable with one share raise, and match runs fill every one of them:
 * first one run of all (MATCH_RUN_LIMIT raised to N), then, on a database of its own, runs of the
 * deployment's default limit, one after another until the run says there is no more.
 * Baseline, in the same run: a plain `INSERT INTO fill … SELECT` of N fill rows from those orders
 * (same table, indexes, checks and foreign keys; rolled back), the least any matcher writing N
 * fills must pay. A second baseline does the same writes as the run, set-based in SQL: that insert,
 * every order's state, the market's units sold (rolled back). Each measurement, the runs' and each
 * baseline's, has a copy of the book's database of its own, warm and from a checkpoint
 * (`startOfMeasurement`). Each catch-up is made MATCHING_CATCH_UPS times, each on a new database
 * with its own baselines, and a figure is the median of them: one run's ratio on these noisy
 * machines moved by a third from one catch-up to the next with no change in the code, and the
 * baseline itself from 3.5 to 5.5 s between databases minutes apart (0.47 to 0.91 over one day's
 * catch-ups of one build), so a median of three still moved by 0.08 between runs of the benchmark.
 * MATCHING_CATCH_UPS sets how many (default 5); the suite's short run makes one, as it only shows
 * the benchmark runs.
 */
const SKU = 'ASCEND-910B';
const REGION = 'cn-beijing';

/** What a catch-up took: seconds from lock to commit and of whole jobs, summed over its runs, and its baselines. */
interface CatchUp {
  runs: number;
  units: number;
  toCommit: number;
  whole: number;
  baseline: number;
  sameWrites: number;
  /** The memory of the process over the runs, and the statements Postgres spent their time on. */
  memory: Measured<{ statements: string[] }>;
}

/** Fills a book of `count` resting bids with match runs of `limit` bids at most (the default limit when absent). */
async function catchUp(count: number, limit?: number): Promise<CatchUp> {
  const book = await createBenchDatabase('matching');
  try {
    const { marketId, units } = await restingBook(book, count);
    const baseline = await medianOfThree(() => rolledBackSeconds(book, [INSERT_FILLS], marketId));
    const sameWrites = await medianOfThree(() => rolledBackSeconds(book, [INSERT_FILLS, FILL_ORDERS, COMMIT_UNITS], marketId));
    const stack = await startBenchApp(await copyBenchDatabase(book), limit ? { MATCH_RUN_LIMIT: String(limit) } : {});
    try {
      return { units, baseline, sameWrites, ...(await matchAll(stack, marketId, count, units)) };
    } finally {
      await stack.close();
    }
  } finally {
    await book.drop();
  }
}

/**
 * The book of a catch-up in `database`: `count` resting bids of 100 partners, all marketable once
 * the share is raised, which it is. The api that wrote it is closed after, so the database can be
 * copied; the share raise's request for a match run stays queued, since no worker runs here.
 */
async function restingBook(database: BenchDatabase, count: number): Promise<{ marketId: string; units: number }> {
  const stack = await startBenchApp(database);
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
      partnerIds,
      count,
      minLimit: 100_000,
    });
    await stack.dataSource.query('VACUUM ANALYZE orders, order_book');
    await pool.share('8.00', SKU, 'benchmark: catch-up');
    return { marketId, units };
  } finally {
    await stack.stop();
  }
}

/** Match runs on the book until none is left, timed, and checked to have filled every bid. */
async function matchAll(
  stack: BenchStack,
  marketId: string,
  count: number,
  units: number,
): Promise<Pick<CatchUp, 'runs' | 'toCommit' | 'whole' | 'memory'>> {
  const matching = stack.app.get(MatchingService);
  await startOfMeasurement((sql) => stack.dataSource.query(sql));
  // Lock to commit by Postgres's clock: from just before a run to its transaction's commit
  // timestamp (the market row it last wrote). Node's own clock would see the commit only once the
  // run's post-commit work lets the event loop turn.
  const clock = async (sql: string, params: unknown[] = []): Promise<number> => Number((await stack.dataSource.query(sql, params))[0].at);
  let [runs, fills, toCommit, whole] = [0, 0, 0, 0];
  const memory = await measured(() =>
    topStatements(stack.env.DATABASE_URL, 'the match runs', async () => {
      // A run stopped at its limit asks for another; a last one that finds nothing left writes no
      // market row to time, and is not counted.
      for (let more = true; more;) {
        const startedAt = await clock('SELECT extract(epoch FROM clock_timestamp()) AS at');
        const started = performance.now();
        const summary = await matching.run(marketId);
        more = summary.more;
        if (summary.unitsSold === 0) continue;
        whole += (performance.now() - started) / 1000;
        toCommit +=
          (await clock('SELECT extract(epoch FROM pg_xact_commit_timestamp(xmin)) AS at FROM market WHERE id = $1', [marketId])) -
          startedAt;
        fills += summary.fills;
        runs++;
      }
    }),
  );
  const [check] = await stack.dataSource.query(
    `SELECT (SELECT count(*)::int FROM fill) AS fills, (SELECT sum(quantity)::int FROM fill) AS sold,
            (SELECT count(*)::int FROM orders WHERE status <> 'FILLED') AS unfilled`,
  );
  if (fills !== count || check.fills !== count || check.sold !== units || check.unfilled !== 0) {
    throw new Error(`the runs did not fill every order: ${JSON.stringify({ fills, check, count, units })}`);
  }
  return { runs, toCommit, whole, memory };
}

/** MATCHING_CATCH_UPS, default 5. */
function catchUps(): number {
  const times = Number(process.env.MATCHING_CATCH_UPS ?? '5');
  if (!Number.isInteger(times) || times < 1)
    throw new Error(`MATCHING_CATCH_UPS must be a whole number from 1 (got ${process.env.MATCHING_CATCH_UPS})`);
  return times;
}

export async function run(): Promise<string> {
  const count = scaled(100_000, 1_000);
  const times = catchUps();
  // The two kinds take turns, so a slow spell of the machine falls on both.
  const [ones, inRunsAll]: CatchUp[][] = [[], []];
  for (let i = 0; i < times; i++) {
    ones.push(await catchUp(count, count));
    inRunsAll.push(await catchUp(count));
  }
  const [one, inRuns] = [middle(ones), middle(inRunsAll)];
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const ratios = (catchUps: CatchUp[], seconds: Seconds) => catchUps.map((c) => (c.baseline / c[seconds]).toFixed(2)).join(', ');
  const row = (stage: string, seconds: Seconds, catchUps: CatchUp[]) => {
    const s = median(catchUps.map((c) => c[seconds]));
    const ratio = (baseline: 'baseline' | 'sameWrites') => median(catchUps.map((c) => c[baseline] / c[seconds])).toFixed(2);
    return `| ${stage} | ${s.toFixed(2)} | ${fmt(count / s)} | ${ratio('baseline')} | ${ratio('sameWrites')} |`;
  };
  /** A baseline's median seconds, and its cells of the two ratio columns. */
  const baselineRow = (stage: string, seconds: number[], ratioCells: string) => {
    const s = median(seconds);
    return `| ${stage} | ${s.toFixed(2)} | ${fmt(count / s)} | ${ratioCells} |`;
  };
  const limit = `runs of the default MATCH_RUN_LIMIT (${inRuns.runs} ${inRuns.runs === 1 ? 'run' : 'runs'})`;
  return [
    '## Matching catch-up',
    '',
    `${fmt(count)} resting orders (${fmt(one.units)} units, 100 partners; 100,000 × BENCH_SCALE) filled after one share raise, by one match run ` +
      `(MATCH_RUN_LIMIT=${count}), then on a database of its own by ${limit}, one after another; their seconds are summed. ` +
      'Baseline in the same run: `INSERT INTO fill … SELECT` of as many fill rows from those orders (median of 3, rolled back). ' +
      "Each baseline and each catch-up runs on a copy of the book's database of its own (its files copied), its tables and indexes read " +
      'into memory first (`pg_prewarm`), from a `CHECKPOINT`, so each pays the full-page writes of the pages it changes. ' +
      'Second baseline: the same writes as the run, set-based in SQL in one transaction (that insert, one `UPDATE orders` filling every order, ' +
      'one `UPDATE market` of the units sold; median of 3, rolled back). A whole job also queues the settlement of its fills (1,000 a job) and ' +
      `publishes an event for each order it filled. Each catch-up was made ${times} times, the two kinds taking turns, each time on a new ` +
      `database with its own baselines: seconds are the medians of the ${times}, and ratios the medians of each catch-up's ratio to its own baselines.`,
    '',
    '| | seconds | orders/s | ratio to baseline | ratio to the same writes in SQL |',
    '| --- | ---: | ---: | ---: | ---: |',
    row('match run, lock to commit (fills, order states, holds, units sold)', 'toCommit', ones),
    row('match run, whole job', 'whole', ones),
    baselineRow(
      'baseline: INSERT INTO fill … SELECT',
      ones.map((c) => c.baseline),
      '1.00 |',
    ),
    baselineRow(
      'second baseline: the same writes in SQL (fills, orders, units sold)',
      ones.map((c) => c.sameWrites),
      '| 1.00',
    ),
    row(`${limit}, lock to commit`, 'toCommit', inRunsAll),
    row(`${limit}, whole jobs`, 'whole', inRunsAll),
    baselineRow(
      'baseline of those databases',
      inRunsAll.map((c) => c.baseline),
      '1.00 |',
    ),
    '',
    `Ratios to the baseline of each catch-up, lock to commit: one run ${ratios(ones, 'toCommit')}; ${limit} ${ratios(inRunsAll, 'toCommit')}. ` +
      `Whole jobs: one run ${ratios(ones, 'whole')}; ${limit} ${ratios(inRunsAll, 'whole')}.`,
    '',
    `Memory of this process over the runs of the catch-up with the median ratio (a run holds its events until they are published): ` +
      `one run, ${memoryOf(one.memory)}; ${limit}, ${memoryOf(inRuns.memory)}.`,
    '',
    ...one.memory.result.statements,
    '',
  ].join('\n');
}

/** The seconds of a catch-up a figure is read from. */
type Seconds = 'toCommit' | 'whole';

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The catch-up whose lock to commit has the median ratio to its baseline. */
function middle(catchUps: CatchUp[]): CatchUp {
  return [...catchUps].sort((a, b) => a.baseline / a.toCommit - b.baseline / b.toCommit)[Math.floor(catchUps.length / 2)]!;
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

/** RSS and V8 heap used over a measured piece of work. */
function memoryOf(m: Measured<unknown>): string {
  const span = (before: number, peak: number) =>
    `${before.toFixed(0)} MB before, ${peak.toFixed(0)} MB at most (+${(peak - before).toFixed(0)} MB)`;
  return `RSS ${span(m.startRssMb, m.peakRssMb)}, V8 heap used ${span(m.startHeapMb, m.peakHeapMb)}`;
}

/** The tables a catch-up reads and writes, whose pages (and their indexes') are in memory when a measurement starts. */
const WARM = ['orders', 'order_book', 'fill', 'market', 'partner', 'export_usage'];

/**
 * Starts a measurement, on a copy of the book's database of its own, warm and from a checkpoint:
 * - warm: the pages of the tables it works on and of their indexes are read into Postgres's
 *   buffers first (`pg_prewarm`), as a market's book is in a running system, so no measurement pays
 *   for reading what another found in memory;
 * - from a checkpoint: the first change of a page after a checkpoint writes the whole page into the
 *   WAL, and Postgres checkpoints after about half of max_wal_size of WAL, in the background.
 *   Without it, the first measurement of a database (written since it was made) paid no full-page
 *   writes, while a later one, after the checkpoint the earlier ones' WAL asked for, paid them for
 *   every page it touched, beside the checkpoint still writing. From a checkpoint, each pays its
 *   own, and none of its WAL (100-200 MB) asks for another.
 */
async function startOfMeasurement(query: (sql: string) => Promise<unknown>): Promise<void> {
  const tables = WARM.map((table) => `'${table}'::regclass`).join(', ');
  await query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
  await query(`SELECT pg_prewarm(c.oid) FROM pg_class c
                 WHERE c.oid IN (${tables}) OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN (${tables}))`);
  await query('CHECKPOINT');
}

async function medianOfThree(measure: () => Promise<number>): Promise<number> {
  const seconds: number[] = [];
  for (let i = 0; i < 3; i++) seconds.push(await measure());
  return median(seconds);
}

/**
 * Seconds to run `statements` (each with the market id as $1) in one transaction, rolled back, on
 * a copy of `book` of their own (`copyBenchDatabase`): a baseline leaves the rows it rolled back
 * behind it, which cost the run measured after it on the same database about a tenth of its time.
 */
async function rolledBackSeconds(book: BenchDatabase, statements: string[], marketId: string): Promise<number> {
  const copy = await copyBenchDatabase(book);
  try {
    const client = new Client({ connectionString: copy.env.DATABASE_URL });
    await client.connect();
    try {
      await startOfMeasurement((sql) => client.query(sql));
      await client.query('BEGIN');
      const started = performance.now();
      for (const statement of statements) await client.query(statement, [marketId]);
      const seconds = (performance.now() - started) / 1000;
      await client.query('ROLLBACK');
      return seconds;
    } finally {
      await client.end();
    }
  } finally {
    await copy.drop();
  }
}

if (require.main === module) {
  void run().then(console.log, (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
