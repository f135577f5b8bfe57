import { Writable } from 'node:stream';
import { csvRecord } from './csv';
import { REPORT_COLUMNS, ReportRow } from './report-columns';
import { endSink, ReportWriter, writeChunk } from './report-writer';

/**
 * CSV per RFC 4180: UTF-8, a header record, CRLF line ends, values exactly as Postgres rendered
 * them. Nothing in it depends on when it was written, so the same rows give the same bytes.
 */
export class CsvReportWriter implements ReportWriter {
  constructor(private readonly sink: Writable) {}

  start(): Promise<void> {
    return writeChunk(this.sink, csvRecord(REPORT_COLUMNS.map((c) => c.header)));
  }

  rows(rows: readonly ReportRow[]): Promise<void> {
    let chunk = '';
    for (const row of rows) chunk += csvRecord(row);
    return writeChunk(this.sink, chunk);
  }

  finish(): Promise<void> {
    return endSink(this.sink);
  }
}
