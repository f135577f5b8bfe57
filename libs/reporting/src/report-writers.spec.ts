import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { Decimal } from '@gpupool/platform';
import { Col, REPORT_COLUMNS, ReportRow } from './report-columns';
import { ReportTotals } from './report-totals';
import { ReportWriter } from './report-writer';
import { XlsxReportWriter } from './xlsx-report.writer';

const HEADERS = REPORT_COLUMNS.map((c) => c.header);

function sample(n: number, partner: string, clientOrderId: string): ReportRow {
  return [
    `00000000-0000-4000-8000-00000000000${n}`,
    `10000000-0000-4000-8000-00000000000${n}`,
    `20000000-0000-4000-8000-00000000000${n}`,
    clientOrderId,
    partner,
    'H20',
    'cn-beijing',
    `2026-01-0${n}T08:00:00.123Z`,
    `2026-01-0${n}T08:00:01.456Z`,
    String(n * 10),
    '98500.00',
    `${n * 985000}.00`,
    '13.00',
    `${n * 128050}.00`,
    `${n * 1113050}.00`,
    `${n * 900000}.10`,
    `${n * 85000 - 1}.90`,
    'CNY',
    `30000000-0000-4000-8000-00000000000${n}`,
  ];
}

const ROWS = [sample(1, 'Quote "Q", Comma, Inc.\nLine 2', 'c-1,"x"\r\ny'), sample(2, 'Beta Labs', 'plain-2')];

/** The totals of rows, summed here with Decimal (the report takes them from Postgres). */
function totalsOf(rows: ReportRow[]): ReportTotals {
  const sum = (col: number) => rows.reduce((total, row) => total.plus(row[col]!), new Decimal(0));
  return {
    quantity: sum(Col.QUANTITY).toNumber(),
    netAmount: sum(Col.NET),
    taxAmount: sum(Col.TAX),
    grossAmount: sum(Col.GROSS),
    costAmount: sum(Col.COST),
    marginAmount: sum(Col.NET).minus(sum(Col.COST)),
  };
}

async function write(makeWriter: (sink: PassThrough) => ReportWriter, batches: ReportRow[][]): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  const writer = makeWriter(sink);
  await writer.start();
  for (const batch of batches) await writer.rows(batch);
  await writer.finish(totalsOf(batches.flat()));
  return Buffer.concat(chunks);
}

describe('XLSX report writer', () => {
  it('writes typed cells under a frozen header and a totals row that exceljs reads back', async () => {
    const rows = [sample(1, 'Quote "Q", Comma, Inc.\nLine 2', 'c-1,"x"'), ROWS[1]];
    const bytes = await write((sink) => new XlsxReportWriter(sink), [rows]);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(bytes as unknown as ArrayBuffer);
    const sheet = book.getWorksheet('Settlements')!;
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.rowCount).toBe(4);
    expect(sheet.getRow(1).values).toEqual([undefined, ...HEADERS]);
    expect(sheet.getRow(1).font?.bold).toBe(true);

    const first = sheet.getRow(2);
    expect(first.getCell(4).value).toBe('c-1,"x"');
    expect(first.getCell(5).value).toBe('Quote "Q", Comma, Inc.\nLine 2');
    expect(first.getCell(8).value).toEqual(new Date('2026-01-01T08:00:00.123Z'));
    expect(first.getCell(8).type).toBe(ExcelJS.ValueType.Date);
    expect(first.getCell(10).value).toBe(10);
    expect(first.getCell(12).value).toBe(985000);
    expect(first.getCell(12).numFmt).toBe('#,##0.00');
    expect(first.getCell(13).value).toBe(13);
    expect(first.getCell(16).value).toBe(900000.1);
    expect(first.getCell(17).value).toBe(84999.9);

    const total = sheet.getRow(4);
    expect(total.getCell(1).value).toBe('Total');
    expect(total.font?.bold).toBe(true);
    expect(total.getCell(10).value).toBe(30);
    expect(total.getCell(11).value).toBeNull();
    expect([12, 14, 15, 16, 17].map((c) => total.getCell(c).value)).toEqual([2955000, 384150, 3339150, 2700000.2, 254999.8]);
    expect(total.getCell(16).numFmt).toBe('#,##0.00');
  });
});
