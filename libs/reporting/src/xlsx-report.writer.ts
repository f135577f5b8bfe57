import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { Decimal } from '@gpupool/platform';
import { Col, ColumnKind, REPORT_COLUMNS, ReportRow } from './report-columns';
import { ReportTotals } from './report-totals';
import { assertWritable, ReportWriter } from './report-writer';

const NUM_FMT: Record<ColumnKind, string | undefined> = {
  text: undefined,
  time: 'yyyy-mm-dd hh:mm:ss.000',
  units: '#,##0',
  amount: '#,##0.00',
  percent: '0.00',
};

type CellValue = string | number | Date;

/** The parts of exceljs's sheet stream (utils/stream-buf) and of what it pipes into that tell how much they hold. */
interface SheetStream {
  buffers: { length: number }[];
  pipes: { _writableState?: { length: number }; _readableState?: { length: number } }[];
}

/** Uncompressed sheet XML the writer lets wait for zlib before it stops adding rows. */
const MAX_PENDING_BYTES = 4 << 20;

/**
 * A number for a spreadsheet cell, which holds binary floating point: the exact decimal text is
 * converted here, at the cell and only for display; the file's totals were summed exactly.
 */
const displayNumber = (exact: string): number => Number(exact);

const CONVERT: Record<ColumnKind, (text: string) => CellValue> = {
  text: (text) => text,
  time: (text) => new Date(text),
  units: displayNumber,
  amount: displayNumber,
  percent: displayNumber,
};
const converters = REPORT_COLUMNS.map((column) => CONVERT[column.kind]);

/**
 * XLSX through exceljs's streaming writer: one sheet, a frozen bold header row, typed cells
 * (times as dates, units and amounts as numbers with number formats) and a bold totals row.
 */
export class XlsxReportWriter implements ReportWriter {
  private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  private readonly sheet: ExcelJS.Worksheet;

  constructor(private readonly sink: Writable) {
    this.workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useStyles: true, useSharedStrings: false });
    this.sheet = this.workbook.addWorksheet('Settlements', { views: [{ state: 'frozen', ySplit: 1 }] });
    this.sheet.columns = REPORT_COLUMNS.map((column) => {
      const numFmt = NUM_FMT[column.kind];
      return { width: column.width, style: numFmt ? { numFmt } : {} };
    });
  }

  async start(): Promise<void> {
    const header = this.sheet.addRow(REPORT_COLUMNS.map((c) => c.header));
    header.font = { bold: true };
    header.commit();
  }

  async rows(rows: readonly ReportRow[]): Promise<void> {
    assertWritable(this.sink);
    for (const row of rows) {
      const values: CellValue[] = new Array(row.length);
      for (let i = 0; i < row.length; i++) values[i] = converters[i](row[i]);
      this.sheet.addRow(values).commit();
    }
    while (this.pendingBytes() > MAX_PENDING_BYTES) {
      assertWritable(this.sink);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /**
   * Sheet XML written but not yet taken by zlib. exceljs 4.4 (pinned) writes a sheet into a
   * buffer stream of its own that pipes on (through archiver's readable-stream PassThrough)
   * without heeding backpressure, so a fast producer would pile the sheet up in memory; the
   * writer waits while this is above MAX_PENDING_BYTES.
   */
  private pendingBytes(): number {
    const stream = (this.sheet as unknown as { stream: SheetStream }).stream;
    const next = stream.pipes[0];
    let pending = (next?._writableState?.length ?? 0) + (next?._readableState?.length ?? 0);
    for (const buffer of stream.buffers) pending += buffer.length;
    return pending;
  }

  async finish(totals: ReportTotals): Promise<void> {
    const values: (CellValue | null)[] = REPORT_COLUMNS.map(() => null);
    const amount = (value: Decimal) => displayNumber(value.toFixed(2));
    values[0] = 'Total';
    values[Col.QUANTITY] = totals.quantity;
    values[Col.NET] = amount(totals.netAmount);
    values[Col.TAX] = amount(totals.taxAmount);
    values[Col.GROSS] = amount(totals.grossAmount);
    values[Col.COST] = amount(totals.costAmount);
    values[Col.MARGIN] = amount(totals.marginAmount);
    const row = this.sheet.addRow(values);
    row.font = { bold: true };
    row.commit();
    this.sheet.commit();
    await this.workbook.commit();
  }
}
