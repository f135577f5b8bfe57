import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { eventually, Pool } from './support/pool';
import { AppProcess, startWorkerProcess } from './support/processes';
import { startStack, TestStack } from './support/stack';

/** Short locks and stalled checks, so a killed worker's report runs again within seconds. */
const ENV = { WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000' };
const ROWS = 30_000;
const REPORT =
  'id status progressPercent rowCount attempts error sha256 downloadUrl totals { quantity netAmount taxAmount grossAmount costAmount }';

describe('a report whose worker is killed mid-file', () => {
  let stack: TestStack;
  let reportsDir: string;
  const workers: AppProcess[] = [];

  const report = async (id: string) =>
    (await stack.gql(stack.adminKey, `query($id: ID!) { settlementReport(id: $id) { ${REPORT} } }`, { id })).data!.settlementReport;
  const worker = async () => {
    const started = await startWorkerProcess({ ...stack.env, REPORTS_DIR: reportsDir });
    workers.push(started);
    return started;
  };

  beforeAll(async () => {
    reportsDir = join(await mkdtemp(join(tmpdir(), 'gpupool-reports-crash-')), 'reports');
    stack = await startStack({ env: { ...ENV, REPORTS_DIR: reportsDir } });
    const pool = new Pool(stack);
    await pool.partner('Crash Report Compute', 'CN');
    await pool.receive('MLU370', 'cn-shanghai', 1000, '45000.00');
    // Settled fills written straight into the tables (triggers off): enough rows for an XLSX that takes seconds.
    await stack.dataSource.transaction(async (em) => {
      await em.query('SET LOCAL session_replication_role = replica');
      await em.query(
        `CREATE TEMP TABLE crash_row ON COMMIT DROP AS
         SELECT i, md5('o' || i)::uuid AS order_id, md5('f' || i)::uuid AS fill_id, md5('j' || i)::uuid AS entry_id,
                p.id AS partner_id, m.id AS market_id, 1 + i % 9 AS quantity, (60000 + i % 1000 + (i % 100) / 100.0)::numeric(12,2) AS price,
                timestamptz '2026-03-01' + i * interval '10 milliseconds' AS at
           FROM generate_series(1, $1::int) i, partner p, market m`,
        [ROWS],
      );
      await em.query(`INSERT INTO orders (id, partner_id, client_order_id, market_id, sku_code, region_code, quantity, filled_quantity,
                                          limit_price, filled_amount, time_in_force, status, resting, tax_rate_percent, hold_amount)
                      SELECT order_id, partner_id, 'crash-' || i, market_id, 'MLU370', 'cn-shanghai', quantity, quantity, price,
                             quantity * price, 'IOC', 'FILLED', true, 13, quantity * price * 1.13 FROM crash_row`);
      await em.query(`INSERT INTO fill (id, order_id, partner_id, market_id, sku_code, region_code, quantity, price, amount, hold_amount, executed_at)
                      SELECT fill_id, order_id, partner_id, market_id, 'MLU370', 'cn-shanghai', quantity, price, quantity * price,
                             quantity * price * 1.13, at FROM crash_row`);
      await em.query(`INSERT INTO journal_entry (id, description, source_type, source_id, currency)
                      SELECT entry_id, 'crash test fill', 'fill', fill_id::text, 'CNY' FROM crash_row`);
      await em.query(`INSERT INTO settlement (fill_id, partner_id, market_id, quantity, unit_price, net_amount, tax_rate_percent, tax_amount,
                                              gross_amount, cost_amount, currency, journal_entry_id, settled_at)
                      SELECT fill_id, partner_id, market_id, quantity, price, quantity * price, 13, round(quantity * price * 0.13, 2),
                             quantity * price + round(quantity * price * 0.13, 2), quantity * 45000, 'CNY', entry_id, at FROM crash_row`);
    });
  });
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await stack.close();
    await rm(join(reportsDir, '..'), { recursive: true, force: true });
  });

  it('is built again from scratch by another worker: SUCCEEDED, complete, exact, and no part file left', async () => {
    const first = await worker();
    const { requestSettlementReport: queued } = (
      await stack.gql(stack.adminKey, `mutation($i: RequestSettlementReportInput!) { requestSettlementReport(input: $i) { id } }`, {
        i: { from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z', format: 'XLSX' },
      })
    ).data!;
    const midway = await eventually(
      () => report(queued.id),
      (r) => r.status === 'RUNNING' && r.progressPercent >= 5,
      60_000,
    );
    expect(midway.progressPercent).toBeLessThan(100);
    await first.kill();
    const parts = (await readdir(reportsDir)).filter((name) => name.endsWith('.part'));
    expect(parts).toHaveLength(1);
    expect(await report(queued.id)).toMatchObject({ status: 'RUNNING', downloadUrl: null, sha256: null });

    await worker();
    const done = await eventually(
      () => report(queued.id),
      (r) => r.status === 'SUCCEEDED' || r.status === 'FAILED',
      90_000,
    );
    expect(done).toMatchObject({ status: 'SUCCEEDED', rowCount: ROWS, attempts: 2, error: null, progressPercent: 100 });
    const [sums] = await stack.dataSource.query(
      `SELECT sum(quantity)::int AS quantity, sum(net_amount)::text AS net, sum(tax_amount)::text AS tax, sum(gross_amount)::text AS gross,
              sum(cost_amount)::text AS cost FROM settlement`,
    );
    expect(done.totals).toEqual({
      quantity: sums.quantity,
      netAmount: sums.net,
      taxAmount: sums.tax,
      grossAmount: sums.gross,
      costAmount: sums.cost,
    });
    expect(await readdir(reportsDir)).toEqual([`${queued.id}.xlsx`]);

    const file = await fetch(`${stack.url}${done.downloadUrl}`, { headers: { authorization: `Bearer ${stack.adminKey}` } });
    expect(file.headers.get('x-checksum-sha256')).toBe(done.sha256);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await file.arrayBuffer());
    const sheet = book.getWorksheet('Settlements')!;
    expect(sheet.rowCount).toBe(ROWS + 2);
    expect(sheet.getRow(ROWS + 2).getCell(1).value).toBe('Total');
    expect(sheet.getRow(ROWS + 2).getCell(10).value).toBe(sums.quantity);
  });
});
