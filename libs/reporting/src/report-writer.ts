import { once } from 'node:events';
import { Writable } from 'node:stream';
import { ReportRow } from './report-columns';
import { ReportTotals } from './report-totals';

/** Writes a report's rows into a file's bytes, a batch at a time. */
export interface ReportWriter {
  /** The header, before any row. */
  start(): Promise<void>;
  /** The next rows, in report order; resolves when the file can take more. */
  rows(rows: readonly ReportRow[]): Promise<void>;
  /** What closes the file (a format may show the totals); ends the sink. */
  finish(totals: ReportTotals): Promise<void>;
}

/** Throws the sink's error, if it has failed (disk full, directory gone). */
export function assertWritable(sink: Writable): void {
  if (sink.errored) throw sink.errored;
  if (sink.destroyed) throw new Error('the report file was closed before the report was complete');
}

/** Writes a chunk, waiting when the sink's buffer is full. */
export async function writeChunk(sink: Writable, chunk: string): Promise<void> {
  assertWritable(sink);
  if (!sink.write(chunk)) await once(sink, 'drain');
}

/** Ends the sink and waits until it has taken everything. */
export async function endSink(sink: Writable): Promise<void> {
  assertWritable(sink);
  await new Promise<void>((resolve, reject) => {
    sink.once('error', reject);
    sink.end(() => resolve());
  });
}
