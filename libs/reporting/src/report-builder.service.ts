import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@gpupool/platform';
import { pipeline } from 'node:stream/promises';
import { CsvRecordEnds } from './csv-record-ends';
import { extensionOf } from './report-file-name';
import { ReportFile } from './report-file';
import { ReportWriter } from './report-writer';
import { ReportFormat, ReportStatus } from './settlement-report.entity';
import { SettlementReportRepository } from './settlement-report.repository';
import { SettledRowReader } from './settled-rows';
import { XlsxReportWriter } from './xlsx-report.writer';

/** Rows fetched from the cursor at a time; small batches keep their garbage young (bench: XLSX peak RSS 245 MB, not 300 MB at 2000 rows). */
const BATCH_ROWS = 250;
/** Progress is written when it moved by a percent and this long after the last write. */
const PROGRESS_INTERVAL_MS = 500;

const FILE_ERRORS = new Set([
  'EACCES',
  'EPERM',
  'ENOENT',
  'ENOTDIR',
  'EEXIST',
  'EISDIR',
  'ENOSPC',
  'EROFS',
  'EDQUOT',
  'EIO',
  'EMFILE',
  'ENFILE',
]);

/**
 * Builds a report file. An attempt claims the report (RUNNING, attempts + 1) and owns it while
 * its attempt number is current; it starts the file over, streams the period's rows into it
 * with progress, and, holding the report's row lock, publishes the file and records SUCCEEDED
 * with row count, totals (summed by Postgres in the snapshot the rows are read in) and checksum.
 * CSV is Postgres's own `COPY … WITH CSV` output, passed through with CRLF record ends; XLSX is
 * written from cursor batches by exceljs. A stale attempt (a newer one claimed the report) can
 * neither publish nor record anything.
 */
@Injectable()
export class ReportBuilder {
  private readonly logger = new Logger(ReportBuilder.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reports: SettlementReportRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * One attempt at a report. Returns false when there is nothing to do (finished, or unknown);
   * throws when the attempt failed, after recording why: FAILED on the last attempt, else
   * QUEUED again for the retry.
   */
  async build(reportId: string, lastAttempt: boolean): Promise<boolean> {
    const claim = await this.reports.claim(reportId);
    if (!claim) return false;
    const fileName = `${reportId}.${extensionOf(claim.format)}`;
    let file: ReportFile | undefined;
    try {
      file = await ReportFile.create(this.config.REPORTS_DIR, fileName, claim.attempt);
      const reader = await SettledRowReader.open(this.config.DATABASE_URL, claim);
      const progress = this.progressReporter(reportId, claim.attempt, reader.count);
      const rowCount = reader.count;
      const totals = reader.totals;
      try {
        if (claim.format === ReportFormat.CSV) await this.writeCsv(reader, file, progress);
        else await this.writeXlsx(reader, new XlsxReportWriter(file.sink), progress);
      } finally {
        await reader.close();
      }
      const { sha256, bytes } = await file.complete();
      // Not transactionWithRetry: publishing the file is not a database write, so the transaction is run once.
      const published = await this.dataSource.transaction(async (em) => {
        if (!(await this.reports.lockOwned(em, reportId, claim.attempt))) return false;
        await file!.publish();
        await this.reports.recordSucceeded(em, reportId, claim.attempt, { rowCount, totals, sha256, fileName });
        return true;
      });
      if (!published) await file.discard();
      else this.logger.log({ reportId, attempt: claim.attempt, rowCount, bytes, sha256 }, 'report built');
      return published;
    } catch (error) {
      await file?.discard();
      await this.recordFailure(reportId, claim.attempt, error, lastAttempt);
      throw error;
    }
  }

  /** Postgres's CSV of the rows, through CRLF record ends into the file; checks that it holds as many rows as counted. */
  private async writeCsv(reader: SettledRowReader, file: ReportFile, progress: (done: number) => Promise<void>): Promise<void> {
    const records = new CsvRecordEnds();
    const rowsSoFar = () => Math.max(0, records.records - 1);
    const ticker = setInterval(() => void progress(rowsSoFar()).catch(() => undefined), PROGRESS_INTERVAL_MS);
    try {
      await pipeline(reader.csv(), records, file.sink);
    } finally {
      clearInterval(ticker);
    }
    if (rowsSoFar() !== reader.count) throw new Error(`the CSV holds ${rowsSoFar()} rows where ${reader.count} were counted`);
  }

  /** Cursor batches through exceljs's streaming writer, with progress after each. */
  private async writeXlsx(reader: SettledRowReader, writer: ReportWriter, progress: (done: number) => Promise<void>): Promise<void> {
    let done = 0;
    await writer.start();
    for await (const rows of reader.batches(BATCH_ROWS)) {
      await writer.rows(rows);
      done += rows.length;
      await progress(done);
    }
    await writer.finish(reader.totals);
  }

  /** Records progress at most every PROGRESS_INTERVAL_MS and only when a whole percent was gained; never 100 before SUCCEEDED. */
  private progressReporter(reportId: string, attempt: number, total: number): (done: number) => Promise<void> {
    let shown = 0;
    let at = performance.now();
    return async (done) => {
      const percent = total === 0 ? 99 : Math.min(99, Math.floor((done * 100) / total));
      const now = performance.now();
      if (percent <= shown || now - at < PROGRESS_INTERVAL_MS) return;
      shown = percent;
      at = now;
      await this.reports.recordProgress(reportId, attempt, percent);
    };
  }

  private async recordFailure(reportId: string, attempt: number, error: unknown, lastAttempt: boolean): Promise<void> {
    const message = this.describe(reportId, error);
    const text = lastAttempt ? `${message} Gave up after ${attempt} attempts; request the report again.` : `${message} Retrying.`;
    await this.reports
      .recordFailure(reportId, attempt, lastAttempt ? ReportStatus.FAILED : ReportStatus.QUEUED, text)
      .catch((failure: unknown) => this.logger.error({ reportId, err: failure }, 'report failure not recorded'));
  }

  /** What went wrong, for the person who asked for the report; details beyond that go to the log. */
  private describe(reportId: string, error: unknown): string {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code && FILE_ERRORS.has(code)) {
      this.logger.error({ reportId, err: error }, 'report file not written');
      return `The report file could not be written to the reports directory (${code}); the worker's REPORTS_DIR must be a writable directory with free space.`;
    }
    const correlationId = randomUUID();
    this.logger.error({ reportId, correlationId, err: error }, 'report not built');
    return `The report could not be built (quote correlation id ${correlationId} when reporting it).`;
  }
}
