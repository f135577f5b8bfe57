import 'reflect-metadata';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import {
  REPORT_COLUMNS,
  ReportBuilder,
  ReportFormat,
  ReportQueue,
  ReportRow,
  ReportScope,
  SettledRowReader,
  settledRowsCopy,
} from '@gpupool/reporting';
import { imageNodeOptions } from '../test/support/image';
import { startWorkerProcess } from '../test/support/processes';
import { scaled, startBenchStack } from './support/bench-stack';
import { measured } from './support/measured';

/**
 * Settlement report exports against baselines measured in the same run: CSV through the report
 * job (COPY with formula-safe typed cells, CRLF record ends, totals, checksum, fsync) against Postgres's own `COPY (same query) TO STDOUT WITH
 * CSV`, and XLSX through the report job against a bare exceljs streaming writer fed the same rows
 * from memory; with the peak memory (RSS) of this process during each export.
 * N = 1,000,000 × BENCH_SCALE settled fills, inserted with generate_series.
 */

const PERIOD = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-02-01T00:00:00Z') };

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * N settled fills in January 2026 over 100 partners (some named with commas and quotes) and 6
 * markets: orders, fills, journal entries and settlements, linked by ids derived from the row
 * number. Inserted with triggers off (session_replication_role = replica): the journal entries
 * have no postings, which the export never reads.
 */
async function seed(url: string, rows: number): Promise<void> {
  return withClient(url, async (db) => {
    await db.query('BEGIN');
    await db.query('SET LOCAL session_replication_role = replica');
    await db.query(`INSERT INTO partner (name, country_code, credit_limit, tax_rate_percent)
      SELECT CASE WHEN p % 10 = 0 THEN format('Partner "%s", Compute, Inc.', p) ELSE format('Partner %s', p) END,
             CASE WHEN p % 2 = 0 THEN 'CN' ELSE 'SG' END, 1000000000000, CASE WHEN p % 2 = 0 THEN 13 ELSE 0 END
        FROM generate_series(1, 100) p`);
    await db.query(`INSERT INTO market (sku_id, region_id, ask_price)
      SELECT k.id, r.id, 98765.43 FROM sku k CROSS JOIN region r
       WHERE k.code IN ('ASCEND-910B', 'ASCEND-910C', 'MLU370') AND r.code IN ('cn-beijing', 'cn-shanghai')`);
    await db.query(
      `CREATE TEMP TABLE bench_partner AS SELECT row_number() OVER (ORDER BY name) - 1 AS n, id, tax_rate_percent FROM partner`,
    );
    await db.query(`CREATE TEMP TABLE bench_market AS
      SELECT row_number() OVER (ORDER BY m.id) - 1 AS n, m.id, k.code AS sku_code, r.code AS region_code
        FROM market m JOIN sku k ON k.id = m.sku_id JOIN region r ON r.id = m.region_id`);
    await db.query(
      `CREATE TEMP TABLE bench_row AS
      SELECT i, md5('o' || i)::uuid AS order_id, md5('f' || i)::uuid AS fill_id, md5('j' || i)::uuid AS entry_id,
             p.id AS partner_id, p.tax_rate_percent, m.id AS market_id, m.sku_code, m.region_code,
             1 + i % 50 AS quantity, (50000 + (i * 7919) % 250000 + (i % 100) / 100.0)::numeric(12,2) AS price,
             (45000 + (i * 104729) % 40000 + (i % 7) / 100.0)::numeric(12,2) AS unit_cost,
             timestamptz '2026-01-01' + (i * 2592.0 / $1) * interval '1 second' AS settled_at
        FROM generate_series(1::bigint, $1::bigint) i
        JOIN bench_partner p ON p.n = i % 100
        JOIN bench_market m ON m.n = i % 6`,
      [rows],
    );
    await db.query(`INSERT INTO orders (id, partner_id, client_order_id, market_id, sku_code, region_code, quantity, filled_quantity,
                                        limit_price, filled_amount, time_in_force, status, resting, tax_rate_percent, hold_amount, created_at, updated_at)
      SELECT order_id, partner_id, CASE WHEN i % 1000 = 0 THEN format('c-%s,"x"', i) ELSE format('c-%s', i) END, market_id, sku_code,
             region_code, quantity, quantity, price, quantity * price, 'GTC', 'FILLED', true, tax_rate_percent,
             ceil(quantity * price * (100 + tax_rate_percent)) / 100, settled_at - interval '2 seconds', settled_at - interval '1 second'
        FROM bench_row`);
    await db.query(`INSERT INTO fill (id, order_id, partner_id, market_id, sku_code, region_code, quantity, price, amount, hold_amount, executed_at)
      SELECT fill_id, order_id, partner_id, market_id, sku_code, region_code, quantity, price, quantity * price,
             ceil(quantity * price * (100 + tax_rate_percent)) / 100, settled_at - interval '1 second'
        FROM bench_row`);
    await db.query(`INSERT INTO journal_entry (id, description, source_type, source_id, currency)
      SELECT entry_id, 'benchmark fill', 'fill', fill_id::text, 'CNY' FROM bench_row`);
    await db.query(`INSERT INTO settlement (id, fill_id, partner_id, market_id, quantity, unit_price, net_amount, tax_rate_percent,
                                            tax_amount, gross_amount, cost_amount, currency, journal_entry_id, settled_at)
      SELECT md5('s' || i)::uuid, fill_id, partner_id, market_id, quantity, price, quantity * price, tax_rate_percent,
             round(quantity * price * tax_rate_percent / 100, 2), quantity * price + round(quantity * price * tax_rate_percent / 100, 2),
             quantity * unit_cost, 'CNY', entry_id, date_trunc('milliseconds', settled_at)
        FROM bench_row`);
    await db.query('COMMIT');
    await db.query('ANALYZE');
  });
}

/** Rows Postgres itself writes as CSV: `COPY (query) TO STDOUT WITH CSV`, bytes counted and dropped. */
async function copyBaseline(url: string, scope: ReportScope): Promise<number> {
  return withClient(url, async (db) => {
    let bytes = 0;
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        bytes += chunk.length;
        done();
      },
    });
    await pipeline(db.query(copyTo(settledRowsCopy(scope))), sink);
    return bytes;
  });
}

/** A sample of the rows in memory, to feed a bare writer without a database. */
async function sampleRows(url: string, scope: ReportScope, count: number): Promise<ReportRow[]> {
  const reader = await SettledRowReader.open(url, scope);
  try {
    for await (const rows of reader.batches(count)) return rows;
    return [];
  } finally {
    await reader.close();
  }
}

/**
 * exceljs's streaming writer alone: the report's sheet (frozen header, column widths and number
 * formats), fed `rows` rows of typed cell values converted beforehand and cycled from memory.
 */
async function bareXlsx(file: string, sample: ReportRow[], rows: number): Promise<void> {
  const cells = sample.map((row) =>
    row.map((text, i) => {
      const kind = REPORT_COLUMNS[i].kind;
      return kind === 'text' ? text : kind === 'time' ? new Date(text) : Number(text);
    }),
  );
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: createWriteStream(file), useStyles: true, useSharedStrings: false });
  const sheet = book.addWorksheet('Settlements', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = REPORT_COLUMNS.map((c) => ({
    width: c.width,
    style: c.kind === 'text' ? {} : { numFmt: c.kind === 'time' ? 'yyyy-mm-dd hh:mm:ss.000' : '#,##0.00' },
  }));
  sheet.addRow(REPORT_COLUMNS.map((c) => c.header)).commit();
  for (let i = 0; i < rows; i++) sheet.addRow(cells[i % cells.length]).commit();
  sheet.commit();
  await book.commit();
}

/** Each stage's figures, for a machine-readable summary. */
export interface ReportFigures {
  rows: number;
  csv: { seconds: number; baselineSeconds: number; ratio: number; peakRssMb: number };
  xlsx: { seconds: number; baselineSeconds: number; ratio: number; peakRssMb: number };
  xlsxWorker: { nodeOptions: string; seconds: number; peakRssMb: number }[];
}

export async function run(): Promise<string> {
  return (await measure()).markdown;
}

export async function measure(): Promise<{ markdown: string; figures: ReportFigures }> {
  const rows = scaled(1_000_000, 1_000);
  const dir = await mkdtemp(join(tmpdir(), 'gpupool-bench-reports-'));
  const stack = await startBenchStack('reports', { REPORTS_DIR: dir });
  try {
    const url = stack.env.DATABASE_URL;
    const seeded = await measured(() => seed(url, rows));
    const [{ id: requester }] = await stack.dataSource.query(`SELECT id FROM api_key WHERE role = 'ADMIN' LIMIT 1`);
    const builder = stack.app.get(ReportBuilder);
    const scope: ReportScope = { ...PERIOD, partnerId: null };
    const report = async (format: ReportFormat) => {
      const [{ id }] = await stack.dataSource.query(
        `INSERT INTO settlement_report (format, period_from, period_to, requested_by) VALUES ($1, $2, $3, $4) RETURNING id`,
        [format, PERIOD.from, PERIOD.to, requester],
      );
      const run = await measured(() => builder.build(id, true));
      const [row] = await stack.dataSource.query(`SELECT status, row_count, file_name FROM settlement_report WHERE id = $1`, [id]);
      if (row.status !== 'SUCCEEDED' || row.row_count !== rows)
        throw new Error(`report ${id} ended ${row.status} with ${row.row_count} rows`);
      return { ...run, bytes: (await stat(join(dir, row.file_name))).size };
    };

    /** The XLSX report job in a worker process as deployed (`node dist/apps/worker/src/main.js`), with NODE_OPTIONS. */
    const xlsxByWorker = async (nodeOptions: string) => {
      const [{ id }] = await stack.dataSource.query(
        `INSERT INTO settlement_report (format, period_from, period_to, requested_by) VALUES ('XLSX', $1, $2, $3) RETURNING id`,
        [PERIOD.from, PERIOD.to, requester],
      );
      const worker = await startWorkerProcess({ ...stack.env, NODE_ENV: 'production', NODE_OPTIONS: nodeOptions });
      try {
        const readyRssMb = worker.peakRssMb();
        const started = performance.now();
        await stack.app.get(ReportQueue).add(id);
        for (;;) {
          const [row] = await stack.dataSource.query(`SELECT status, row_count FROM settlement_report WHERE id = $1`, [id]);
          if (row.status === 'SUCCEEDED' && row.row_count === rows) break;
          if (row.status === 'FAILED') throw new Error(`report ${id} FAILED in the worker`);
          await new Promise((r) => setTimeout(r, 200));
        }
        return { seconds: (performance.now() - started) / 1000, readyRssMb, peakRssMb: worker.peakRssMb() };
      } finally {
        await worker.stop();
      }
    };

    // The report jobs first, so the peak memory of each is not that of a baseline before it.
    await copyBaseline(url, scope); // warms the cache for every run after it
    const csv = await report(ReportFormat.CSV);
    const xlsx = await report(ReportFormat.XLSX);
    const copy = await measured(() => copyBaseline(url, scope));
    const sample = await sampleRows(url, scope, 10_000);
    const bare = await measured(() => bareXlsx(join(dir, 'bare.xlsx'), sample, rows));
    const nodeOptions = imageNodeOptions();
    const deployed = await xlsxByWorker(nodeOptions);
    const uncapped = await xlsxByWorker('');

    const figures: ReportFigures = {
      rows,
      csv: { seconds: csv.seconds, baselineSeconds: copy.seconds, ratio: copy.seconds / csv.seconds, peakRssMb: csv.peakRssMb },
      xlsx: { seconds: xlsx.seconds, baselineSeconds: bare.seconds, ratio: bare.seconds / xlsx.seconds, peakRssMb: xlsx.peakRssMb },
      xlsxWorker: [
        { nodeOptions, seconds: deployed.seconds, peakRssMb: deployed.peakRssMb },
        { nodeOptions: '', seconds: uncapped.seconds, peakRssMb: uncapped.peakRssMb },
      ],
    };
    const perSecond = (seconds: number) => Math.round(rows / seconds);
    const fmt = (n: number) => n.toLocaleString('en-US');
    const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
    const markdown = [
      '## Reports',
      '',
      `Settlement report export of ${fmt(rows)} settled fills (one period, all partners; 1,000,000 × BENCH_SCALE), ` +
        `seeded with generate_series in ${seeded.seconds.toFixed(1)} s. Ratios are against baselines measured in the same run; ` +
        'memory is the RSS of the benchmark process (which loads the whole platform, as a worker does) before and at its peak during the export (aim: under 256 MB).',
      '',
      '| export | seconds | rows/s | baseline | baseline rows/s | ratio | file MB | RSS before MB | peak RSS MB |',
      '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
      `| CSV (report job: COPY, formula-safe cells, CRLF, totals, SHA-256, fsync) | ${csv.seconds.toFixed(2)} | ${fmt(perSecond(csv.seconds))} | COPY (same query) TO STDOUT WITH CSV | ${fmt(perSecond(copy.seconds))} | ${(copy.seconds / csv.seconds).toFixed(2)} | ${mb(csv.bytes)} | ${csv.startRssMb.toFixed(0)} | ${csv.peakRssMb.toFixed(0)} |`,
      `| XLSX (report job) | ${xlsx.seconds.toFixed(2)} | ${fmt(perSecond(xlsx.seconds))} | bare exceljs streaming writer, rows from memory | ${fmt(perSecond(bare.seconds))} | ${(bare.seconds / xlsx.seconds).toFixed(2)} | ${mb(xlsx.bytes)} | ${xlsx.startRssMb.toFixed(0)} | ${xlsx.peakRssMb.toFixed(0)} |`,
      '',
      'XLSX built by a worker process as deployed (`node dist/apps/worker/src/main.js`, NODE_ENV=production), peak RSS of that process (VmHWM):',
      '',
      '| worker | NODE_OPTIONS | seconds | rows/s | RSS when ready MB | peak RSS MB |',
      '| --- | --- | ---: | ---: | ---: | ---: |',
      ...[
        { what: "as deployed (the image's NODE_OPTIONS)", options: nodeOptions, r: deployed },
        { what: "with V8's default heap", options: '(none)', r: uncapped },
      ].map(
        ({ what, options, r }) =>
          `| ${what} | \`${options}\` | ${r.seconds.toFixed(2)} | ${fmt(perSecond(r.seconds))} | ${r.readyRssMb.toFixed(0)} | ${r.peakRssMb.toFixed(0)} |`,
      ),
      '',
    ].join('\n');
    return { markdown, figures };
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
}
