import 'reflect-metadata';
import { InventoryService } from '@gpupool/inventory';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { SETTLEMENT_BATCH, SettlementService } from '@gpupool/settlement';
import { MatchingService } from '@gpupool/trading';
import { insertRestingOrders } from '../test/support/bulk-orders';
import { Pool } from '../test/support/pool';
import { startWorkerProcess } from '../test/support/processes';
import { BENCH_CREDIT_LIMIT, BenchStack, scaled, startBenchStack } from './support/bench-stack';
import { topStatements } from './support/top-statements';

/**
 * Settlement throughput: N fills (100,000 × BENCH_SCALE, from one match run of as many resting
 * orders of 50 CN partners at 13 % VAT and 50 SG partners at 0 %) are settled (a journal entry of
 * four or five postings, FIFO cost relief, hold to receivable, the settlement row, per fill):
 * - by a worker process (WORKER_CONCURRENCY=4) working off the N settle jobs the match run queued;
 * - in this process, by SettlementService.settleAll, 4 callers of batches of SETTLEMENT_BATCH;
 * - in this process, by SettlementService.settle, 4 callers of one fill each (a sample).
 * Baseline, in the same database and run: pgbench-style single-row INSERTs of the same journal
 * entries and postings, one transaction per fill, 4 clients at once (no locks, no reads), with the
 * running-balance trigger of `posting` off, so the baseline is the same work as before that
 * trigger, and as in every earlier run of this benchmark.
 */
const CLIENTS = 4;
const BATCH = SETTLEMENT_BATCH;

/** One stage's figures, for a machine-readable summary. */
export interface StageFigures {
  stage: string;
  fills: number;
  seconds: number;
  fillsPerSecond: number;
  ratio: number;
}

interface Phase {
  fills: string[];
  marketId: string;
}

export async function run(): Promise<string> {
  return (await measure()).markdown;
}

export async function measure(): Promise<{ markdown: string; figures: StageFigures[] }> {
  const count = scaled(100_000, 2_000);
  const sample = Math.min(count, 2_000);
  // One match run fills a whole book (MATCH_RUN_LIMIT raised to the largest), so the fills to settle
  // are queued by one run, as the matching benchmark's one run makes them.
  const stack = await startBenchStack('settlement', { WORKER_CONCURRENCY: String(CLIENTS), MATCH_RUN_LIMIT: String(count + sample) });
  try {
    const partnerIds: string[] = [];
    for (let i = 0; i < 100; i++)
      partnerIds.push((await new Pool(stack).partner(`Bench Settler ${i}`, i % 2 ? 'SG' : 'CN', BENCH_CREDIT_LIMIT)).id);
    const worker = await fillsOf(stack, partnerIds, 'cn-beijing', count);
    const { measured: workerSeconds, statements } = await topStatements(stack.env.DATABASE_URL, 'the worker', () =>
      settleByWorker(stack, worker.fills.length),
    );

    const direct = await fillsOf(stack, partnerIds, 'cn-shanghai', count + sample);
    const settlements = stack.app.get(SettlementService);
    const oneByOne = direct.fills.slice(0, sample);
    const singleSeconds = await timed(oneByOne, 1, (ids) => settlements.settle(ids[0]!));
    const batched = direct.fills.slice(sample);
    const batchSeconds = await timed(batched, BATCH, (ids) => settlements.settleAll(ids));
    await verify(stack.dataSource, worker.fills.length + direct.fills.length);

    const baselineSeconds = await singleRowInserts(stack, worker.marketId);

    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    const baselineRate = count / baselineSeconds;
    const stage = (name: string, fills: number, seconds: number): StageFigures => ({
      stage: name,
      fills,
      seconds,
      fillsPerSecond: fills / seconds,
      ratio: fills / seconds / baselineRate,
    });
    const figures = [
      stage(
        `worker process working off the settle jobs (WORKER_CONCURRENCY=${CLIENTS}, up to ${BATCH} fills a transaction)`,
        count,
        workerSeconds,
      ),
      stage(`SettlementService.settleAll, ${CLIENTS} callers × batches of ${BATCH}`, batched.length, batchSeconds),
      stage(`SettlementService.settle, ${CLIENTS} callers × one fill a transaction`, oneByOne.length, singleSeconds),
      stage(`baseline: single-row INSERTs of the entries and postings, ${CLIENTS} clients`, count, baselineSeconds),
    ];
    const markdown = [
      '## Settlement',
      '',
      `${fmt(count)} fills (100,000 × BENCH_SCALE; 100 partners, half at 13 % VAT) from one match run, settled with their journal entries, ` +
        `FIFO cost, receivables, running balances and settlement rows. Baseline in the same database and run: pgbench-style single-row ` +
        `INSERTs of the same journal entries and postings, one transaction per fill, ${CLIENTS} clients.`,
      '',
      '| settled by | fills | seconds | fills/s | ratio to baseline |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...figures.map(
        (f) => `| ${f.stage} | ${fmt(f.fills)} | ${f.seconds.toFixed(2)} | ${fmt(f.fillsPerSecond)} | ${f.ratio.toFixed(2)} |`,
      ),
      '',
      ...statements,
      '',
    ].join('\n');
    return { markdown, figures };
  } finally {
    await stack.close();
  }
}

/** Resting orders of one ASCEND-910B market written in bulk, then one match run: a fill each, their settle jobs queued. */
async function fillsOf(stack: BenchStack, partnerIds: string[], region: string, count: number): Promise<Phase> {
  // Two lots, so cost relief crosses from one to the next.
  const pool = new Pool(stack);
  for (const [quantity, unitCost] of [
    [count * 40, '118900.00'],
    [count * 40, '121500.00'],
  ] as const) {
    await pool.receive('ASCEND-910B', region, quantity, unitCost);
  }
  await pool.ask('ASCEND-910B', region, '139000.00');
  const marketId = (await stack.app.get(InventoryService).findMarket('ASCEND-910B', region))!.id;
  await insertRestingOrders(stack.dataSource, {
    prefix: `bench-${region}-`,
    marketId,
    partnerIds,
    count,
    minLimit: 139_000,
  });
  await pool.share('8.00', 'ASCEND-910B', 'benchmark: settlement');
  const summary = await stack.app.get(MatchingService).run(marketId);
  if (summary.fills !== count) throw new Error(`expected ${count} fills in ${region}, the match run made ${summary.fills}`);
  const rows: { id: string }[] = await stack.dataSource.query('SELECT id FROM fill WHERE market_id = $1 ORDER BY executed_at, id', [
    marketId,
  ]);
  return { fills: rows.map((r) => r.id), marketId };
}

/** Seconds from a worker process being ready to every fill settled (it works off the jobs the match run queued). */
async function settleByWorker(stack: BenchStack, fills: number): Promise<number> {
  const worker = await startWorkerProcess(stack.env);
  try {
    const started = performance.now();
    for (;;) {
      const [{ n }] = await stack.dataSource.query('SELECT count(*)::int AS n FROM settlement');
      if (n >= fills) return (performance.now() - started) / 1000;
      if (performance.now() - started > 1_800_000) throw new Error(`only ${n} of ${fills} fills settled in 30 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await worker.stop();
  }
}

/** Seconds for CLIENTS callers to work off `ids` in slices of `size`. */
async function timed(ids: string[], size: number, work: (slice: string[]) => Promise<unknown>): Promise<number> {
  const slices = Array.from({ length: Math.ceil(ids.length / size) }, (_, i) => ids.slice(i * size, (i + 1) * size));
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let slice = slices.shift(); slice; slice = slices.shift()) await work(slice);
    }),
  );
  return (performance.now() - started) / 1000;
}

async function verify(dataSource: DataSource, fills: number): Promise<void> {
  const [check] = await dataSource.query(
    `SELECT (SELECT count(*)::int FROM settlement) AS settlements, (SELECT count(*)::int FROM fill) AS fills,
            (SELECT count(*)::int FROM journal_entry WHERE source_type = 'fill') AS entries,
            (SELECT count(*)::int FROM partner WHERE receivable <> (SELECT COALESCE(sum(gross_amount), 0) FROM settlement s WHERE s.partner_id = partner.id)) AS off`,
  );
  if (check.settlements !== fills || check.fills !== fills || check.entries !== fills || check.off !== 0) {
    throw new Error(`settlement did not settle every fill once: ${JSON.stringify({ ...check, expected: fills })}`);
  }
}

/** Seconds to write the worker phase's journal entries again, pgbench-style: one INSERT per row, one transaction per entry, CLIENTS clients. */
async function singleRowInserts(stack: BenchStack, marketId: string): Promise<number> {
  const rows: { entry: string; description: string; currency: string; account_id: string; amount: string }[] = await stack.dataSource.query(
    `SELECT j.id AS entry, j.description, j.currency, p.account_id, p.amount
       FROM settlement s JOIN journal_entry j ON j.id = s.journal_entry_id JOIN posting p ON p.journal_entry_id = j.id
      WHERE s.market_id = $1 ORDER BY j.id`,
    [marketId],
  );
  const entries = new Map<string, typeof rows>();
  for (const row of rows) entries.set(row.entry, [...(entries.get(row.entry) ?? []), row]);
  const work = [...entries.values()];
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const client = new Client({ connectionString: stack.env.DATABASE_URL });
      await client.connect();
      return client;
    }),
  );
  // Nothing else writes now: the baseline writes postings as they were written before running balances.
  await stack.dataSource.query('ALTER TABLE posting DISABLE TRIGGER posting_balances');
  try {
    const started = performance.now();
    await Promise.all(
      clients.map(async (client) => {
        for (let postings = work.shift(); postings; postings = work.shift()) {
          const [first] = postings;
          await client.query('BEGIN');
          const {
            rows: [entry],
          } = await client.query(
            `INSERT INTO journal_entry (description, source_type, source_id, currency) VALUES ($1, 'bench-baseline', $2, $3) RETURNING id`,
            [first!.description, first!.entry, first!.currency],
          );
          for (const posting of postings) {
            await client.query('INSERT INTO posting (journal_entry_id, account_id, currency, amount) VALUES ($1, $2, $3, $4)', [
              entry.id,
              posting.account_id,
              posting.currency,
              posting.amount,
            ]);
          }
          await client.query('COMMIT');
        }
      }),
    );
    return (performance.now() - started) / 1000;
  } finally {
    await stack.dataSource.query('ALTER TABLE posting ENABLE TRIGGER posting_balances');
    await Promise.all(clients.map((client) => client.end()));
  }
}

if (require.main === module) {
  void run().then(console.log, (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
