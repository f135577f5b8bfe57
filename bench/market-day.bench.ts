import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { ApiKeyService } from '@gpupool/identity';
import { InventoryService, loadDemoFleet } from '@gpupool/inventory';
import { postGraphQL } from '../test/support/graphql-client';
import { Pool } from '../test/support/pool';
import { ownCpuSeconds, postgresCpuSeconds, redisCpuSeconds } from '../test/support/process-cpu';
import { imageNodeOptions } from '../test/support/image';
import { AppProcess, startApiProcess, startWorkerProcess } from '../test/support/processes';
import { seededRandom } from '../test/support/seeded-random';
import { BENCH_CREDIT_LIMIT, benchPostgresDir, BenchStack, scaled, startBenchStack } from './support/bench-stack';
import { booksViolations } from './support/books-check';
import { sql, topStatements } from './support/top-statements';
import { workersQuiet } from './support/worker-quiet';

/**
 * A market day: N orders (10^4, 10^5 and 10^6 × BENCH_SCALE, each size on a fresh database) from
 * 100 partners (half CN, half SG) over the demo fleet's offered markets, placed through an api
 * process over HTTP by CLIENTS concurrent clients, matched and settled by two worker processes (all
 * three with the image's NODE_OPTIONS, as deployed), with an operator receiving inventory, moving
 * the share and the ask prices, and partners cancelling some orders; then a settlement report
 * (CSV) of the day. Reports end-to-end orders/s, place → first fill and fill → settled latencies
 * (p50, p99, from the database's own times), each process's peak RSS and CPU, and the cost per
 * order (CPU ms of every process, Postgres and Redis included).
 * MARKET_DAY_SIZES lists the sizes to run (before BENCH_SCALE; default 10000,100000); the others are
 * listed as not run.
 */
const CLIENTS = Number(process.env.MARKET_DAY_CLIENTS ?? 32);
const PARTNERS = 100;
/** Every this many orders placed, the operator makes a move. */
const MOVE_EVERY = 500;
const SIZES = [10_000, 100_000, 1_000_000];

interface Market {
  skuCode: string;
  regionCode: string;
  ask: number;
  countries: Set<string>;
}

interface ProcessFigures {
  name: string;
  peakRssMb: number | null;
  cpuSeconds: number | null;
}

export interface MarketDayFigures {
  orders: number;
  placed: number;
  refused: Record<string, number>;
  cancelled: number;
  fills: number;
  intakeSeconds: number;
  daySeconds: number;
  ordersPerSecond: number;
  placeToFilledMs: { p50: number; p99: number };
  fillToSettledMs: { p50: number; p99: number };
  reportSeconds: number;
  reportRows: number;
  processes: ProcessFigures[];
  cpuMsPerOrder: number;
  wallMsPerOrder: number;
  /** The statements Postgres spent the most time on from the first order until the day settled down. */
  statements: string[];
}

const fen = (value: number) => (Math.round(value * 100) / 100).toFixed(2);

const PLACE = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status } }';
const CANCEL = 'mutation($id: ID!) { cancelOrder(id: $id) { status } }';

/** The offered markets and the partner countries each may sell to (no rule, or ALLOWED). */
async function offeredMarkets(stack: BenchStack): Promise<Market[]> {
  const rows: { sku: string; region: string; ask: string; refused: string[] }[] = await stack.dataSource.query(
    `SELECT k.code AS sku, r.code AS region, m.ask_price::text AS ask,
            ARRAY(SELECT country_code::text FROM export_rule e WHERE e.sku_code = k.code AND e.rule <> 'ALLOWED') AS refused
       FROM market m JOIN sku k ON k.id = m.sku_id JOIN region r ON r.id = m.region_id
      WHERE m.ask_price IS NOT NULL ORDER BY k.code, r.code`,
  );
  return rows.map((r) => ({
    skuCode: r.sku,
    regionCode: r.region,
    ask: Number(r.ask),
    countries: new Set(['CN', 'SG'].filter((c) => !r.refused.includes(c))),
  }));
}

/** The operator's move number `n`: inventory for the next MOVE_EVERY orders in every market, and a share or an ask change. */
async function operatorMove(pool: Pool, markets: Market[], n: number, random: ReturnType<typeof seededRandom>): Promise<void> {
  // About 2.5 units an order, spread over the markets, at a share of 7-9.5 %: 40 units received per unit demanded.
  const perMarket = Math.ceil((MOVE_EVERY * 2.5 * 40) / markets.length);
  for (const m of markets) {
    await pool.receive(m.skuCode, m.regionCode, perMarket, fen(m.ask * 0.85), `day lot ${n}`);
  }
  if (n % 2 === 0) {
    await pool.share(fen(7 + random.next() * 2.5), undefined, `market day move ${n}`);
  } else {
    const m = markets[random.int(0, markets.length - 1)]!;
    m.ask = Math.round(m.ask * (0.97 + random.next() * 0.06));
    await pool.ask(m.skuCode, m.regionCode, fen(m.ask));
  }
}

async function day(orders: number): Promise<MarketDayFigures> {
  const stack = await startBenchStack('marketday', { WORKER_CONCURRENCY: '4', SWEEP_INTERVAL_MS: '30000' });
  const processes: AppProcess[] = [];
  try {
    const admin = (await stack.app.get(ApiKeyService).authenticate(stack.adminKey))!;
    await stack.dataSource.transaction((em) => loadDemoFleet(em, admin, stack.app.get(InventoryService)));
    const markets = await offeredMarkets(stack);
    const pool = new Pool(stack);
    const partners: { id: string; key: string; country: string }[] = [];
    for (let i = 0; i < PARTNERS; i++) {
      const country = i % 2 ? 'SG' : 'CN';
      partners.push({ ...(await pool.partner(`Day Partner ${i}`, country, BENCH_CREDIT_LIMIT)), country });
    }
    const finance = await pool.key('FINANCE', 'day books');

    // As the image runs them: with its NODE_OPTIONS (V8's heap cap).
    const deployed = { ...stack.env, NODE_OPTIONS: imageNodeOptions() };
    const api = await startApiProcess(deployed);
    const workers = [await startWorkerProcess(deployed), await startWorkerProcess(deployed)];
    processes.push(api, ...workers);
    const postgresDir = benchPostgresDir();
    const redisPort = Number(new URL(stack.env.REDIS_URL).port || 6379);
    const cpuAtStart = {
      api: api.cpuSeconds(),
      workers: workers.map((w) => w.cpuSeconds()),
      postgres: postgresCpuSeconds(postgresDir),
      redis: redisCpuSeconds(redisPort),
      bench: ownCpuSeconds(),
    };

    const random = seededRandom(orders); // the same day every run
    const refused: Record<string, number> = {};
    let next = 0;
    let placed = 0;
    let cancelled = 0;
    let moves = 0;
    let moving = Promise.resolve();
    const dayStart = new Date(Date.now() - 1000);
    const started = performance.now();
    const { measured: intakeSeconds, statements } = await topStatements(stack.env.DATABASE_URL, `a day of ${orders} orders`, async () => {
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          for (let k = next++; k < orders; k = next++) {
            if (k > 0 && k % MOVE_EVERY === 0) {
              const n = ++moves;
              moving = moving.then(() => operatorMove(pool, markets, n, random));
            }
            const partner = partners[k % PARTNERS]!;
            const allowed = markets.filter((m) => m.countries.has(partner.country));
            const market = allowed[random.int(0, allowed.length - 1)]!;
            const roll = random.next();
            const input = {
              clientOrderId: `day-${k}`,
              skuCode: market.skuCode,
              regionCode: market.regionCode,
              quantity: random.next() < 0.8 ? random.int(1, 3) : random.int(4, 8),
              limitPrice: fen(market.ask * (0.98 + random.next() * 0.06)),
              timeInForce: roll < 0.8 ? 'GTC' : roll < 0.95 ? 'IOC' : 'FOK',
            };
            const res = await postGraphQL(api.url, partner.key, PLACE, { i: input });
            const code: string | undefined = res.errors?.[0]?.extensions?.code;
            if (code) {
              refused[code] = (refused[code] ?? 0) + 1;
              continue;
            }
            placed++;
            if (input.timeInForce === 'GTC' && random.next() < 0.05) {
              const cancel = await postGraphQL(api.url, partner.key, CANCEL, { id: res.data!.placeOrder.id });
              if (!cancel.errors) cancelled++;
            }
          }
        }),
      );
      await moving;
      const intake = (performance.now() - started) / 1000;
      await workersQuiet((text) => stack.dataSource.query(text), stack.env, 3_600_000);
      return intake;
    });
    const daySeconds = (performance.now() - started) / 1000;

    const cpu = {
      api: api.cpuSeconds() - cpuAtStart.api,
      workers: workers.map((w, i) => w.cpuSeconds() - cpuAtStart.workers[i]!),
      postgres: cpuAtStart.postgres === null ? null : postgresCpuSeconds(postgresDir)! - cpuAtStart.postgres,
      redis: cpuAtStart.redis === null ? null : redisCpuSeconds(redisPort)! - cpuAtStart.redis,
      bench: ownCpuSeconds() - cpuAtStart.bench,
    };
    const [latency] = await sql(
      stack.env.DATABASE_URL,
      `WITH first_fill AS (SELECT o.id, extract(epoch FROM min(f.executed_at) - o.created_at) * 1000 AS ms
                             FROM orders o JOIN fill f ON f.order_id = o.id GROUP BY o.id, o.created_at),
            settled AS (SELECT extract(epoch FROM s.settled_at - f.executed_at) * 1000 AS ms FROM settlement s JOIN fill f ON f.id = s.fill_id)
       SELECT (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM first_fill) AS fill_p50,
              (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) FROM first_fill) AS fill_p99,
              (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM settled) AS settle_p50,
              (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) FROM settled) AS settle_p99,
              (SELECT count(*)::int FROM fill) AS fills`,
    );

    // What is measured so far, kept should the report or the checks of a long day fail.
    console.error(`market day of ${orders} orders: ${JSON.stringify({ intakeSeconds, daySeconds, cpu, latency, statements })}`);

    // The settlement report of the day.
    const reportStarted = performance.now();
    const requested = await stack.ok(
      finance.key,
      'mutation($i: RequestSettlementReportInput!) { requestSettlementReport(input: $i) { id } }',
      { i: { from: dayStart.toISOString(), to: new Date(Date.now() + 1000).toISOString(), format: 'CSV' } },
    );
    let report: { status: string; rowCount: number | null; totals: { grossAmount: string } | null };
    for (;;) {
      report = (
        await stack.ok(finance.key, 'query($id: ID!) { settlementReport(id: $id) { status rowCount totals { grossAmount } } }', {
          id: requested.requestSettlementReport.id,
        })
      ).settlementReport;
      if (report.status === 'SUCCEEDED' || report.status === 'FAILED') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const reportSeconds = (performance.now() - reportStarted) / 1000;
    const [gross] = await sql(
      stack.env.DATABASE_URL,
      `SELECT COALESCE(sum(gross_amount), 0)::numeric(24,2)::text AS gross FROM settlement`,
    );
    if (report.status !== 'SUCCEEDED' || report.rowCount !== latency.fills || report.totals!.grossAmount !== gross.gross) {
      throw new Error(`the day's report does not reconcile: ${JSON.stringify({ report, fills: latency.fills, gross: gross.gross })}`);
    }
    const violations = await booksViolations(stack.env.DATABASE_URL);
    if (Object.keys(violations).length > 0) throw new Error(`the books are not right after the day: ${JSON.stringify(violations)}`);

    const figures: ProcessFigures[] = [
      { name: 'api process', peakRssMb: api.peakRssMb(), cpuSeconds: cpu.api },
      ...workers.map((w, i) => ({ name: `worker ${i + 1}`, peakRssMb: w.peakRssMb(), cpuSeconds: cpu.workers[i]! })),
      { name: 'Postgres (all backends)', peakRssMb: null, cpuSeconds: cpu.postgres },
      { name: 'Redis', peakRssMb: null, cpuSeconds: cpu.redis },
      {
        name: 'benchmark (clients, operator, in-process api for set-up)',
        peakRssMb: process.resourceUsage().maxRSS / 1024,
        cpuSeconds: cpu.bench,
      },
    ];
    const totalCpu = figures.reduce((sum, p) => sum + (p.cpuSeconds ?? 0), 0);
    return {
      orders,
      placed,
      refused,
      cancelled,
      fills: latency.fills,
      intakeSeconds,
      daySeconds,
      ordersPerSecond: orders / daySeconds,
      placeToFilledMs: { p50: Number(latency.fill_p50), p99: Number(latency.fill_p99) },
      fillToSettledMs: { p50: Number(latency.settle_p50), p99: Number(latency.settle_p99) },
      reportSeconds,
      reportRows: report.rowCount!,
      processes: figures,
      cpuMsPerOrder: (totalCpu * 1000) / orders,
      wallMsPerOrder: (daySeconds * 1000) / orders,
      statements,
    };
  } finally {
    for (const p of processes) await p.stop();
    await stack.close();
  }
}

export async function measure(): Promise<{ markdown: string; figures: MarketDayFigures[]; notRun: number[] }> {
  const chosen = (process.env.MARKET_DAY_SIZES ?? '10000,100000').split(',').map(Number);
  const unknown = chosen.filter((n) => !SIZES.includes(n));
  if (unknown.length) throw new Error(`MARKET_DAY_SIZES: ${unknown.join(', ')} not among ${SIZES.join(', ')}`);
  const figures: MarketDayFigures[] = [];
  for (const n of SIZES.filter((size) => chosen.includes(size))) figures.push(await day(scaled(n, 1_000)));
  const notRun = SIZES.filter((size) => !chosen.includes(size)).map((n) => scaled(n, 1_000));
  const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const baseCost = figures[0]?.cpuMsPerOrder;
  const lines = [
    '## Market day',
    '',
    `Orders from ${PARTNERS} partners (half CN, half SG) over the demo fleet's offered markets, placed through one api process over HTTP ` +
      `by ${CLIENTS} concurrent clients (80 % GTC, 15 % IOC, 5 % FOK; 5 % of GTC orders cancelled at once), matched and settled by two ` +
      `worker processes (api and workers with the image's NODE_OPTIONS, \`${imageNodeOptions()}\`); every ${MOVE_EVERY} orders the operator receives inventory into every market and moves the share or an ask price; ` +
      `then a CSV settlement report of the day, reconciled with the settlements, and the books checked. Latencies from the database's ` +
      `own times (order created → its first fill executed; fill executed → settled). Cost per order: CPU of every process below over orders.`,
    '',
    '| orders | placed | refused | cancelled | fills | intake s | day s | orders/s end to end | place→filled p50 / p99 ms | fill→settled p50 / p99 ms | report s | CPU ms / order | ratio to the smallest |',
    '| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...figures.map(
      (f) =>
        `| ${fmt(f.orders)} | ${fmt(f.placed)} | ${
          Object.entries(f.refused)
            .map(([code, n]) => `${code} ${n}`)
            .join(', ') || '0'
        } | ${fmt(f.cancelled)} | ${fmt(f.fills)} | ${fmt(f.intakeSeconds, 1)} | ${fmt(f.daySeconds, 1)} | ${fmt(f.ordersPerSecond, 1)} | ` +
        `${fmt(f.placeToFilledMs.p50)} / ${fmt(f.placeToFilledMs.p99)} | ${fmt(f.fillToSettledMs.p50)} / ${fmt(f.fillToSettledMs.p99)} | ` +
        `${fmt(f.reportSeconds, 1)} | ${fmt(f.cpuMsPerOrder, 2)} | ${baseCost ? (f.cpuMsPerOrder / baseCost).toFixed(2) : '-'} |`,
    ),
    ...notRun.map((n) => `| ${fmt(n)} | not run (not in MARKET_DAY_SIZES) | | | | | | | | | | | |`),
    '',
    '| orders | process | peak RSS MB | CPU s | CPU ms / order |',
    '| ---: | --- | ---: | ---: | ---: |',
    ...figures.flatMap((f) =>
      f.processes.map(
        (p) =>
          `| ${fmt(f.orders)} | ${p.name} | ${p.peakRssMb === null ? '-' : fmt(p.peakRssMb)} | ${p.cpuSeconds === null ? '-' : fmt(p.cpuSeconds, 1)} | ${
            p.cpuSeconds === null ? '-' : fmt((p.cpuSeconds * 1000) / f.orders, 2)
          } |`,
      ),
    ),
    '',
    ...figures.flatMap((f) => [...f.statements, '']),
  ];
  return { markdown: lines.join('\n'), figures, notRun };
}

export async function run(): Promise<string> {
  return (await measure()).markdown;
}

if (require.main === module) {
  void run().then(console.log, (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
