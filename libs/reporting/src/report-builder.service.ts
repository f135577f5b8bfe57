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
import { SettledRowReader, ReportScope } from './settled-rows';
import { XlsxReportWriter } from './xlsx-report.writer';

/** Rows fetched from the cursor at a time; small batches keep their garbage young (bench: XLSX peak RSS 245 MB, not 300 MB at 2000 rows). */
const BATCH_ROWS = 250;
/** Progress is written when it moved by a percent and this long after the last write. */
const PROGRESS_INTERVAL_MS = 500;

interface Claim extends ReportScope {
  attempt: number;
  format: ReportFormat;
}

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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * One attempt at a report. Returns false when there is nothing to do (finished, or unknown);
   * throws when the attempt failed, after recording why: FAILED on the last attempt, else
   * QUEUED again for the retry.
   */
  async build(reportId: string, lastAttempt: boolean): Promise<boolean> {
    const claim = await this.claim(reportId);
    if (!claim) return false;
    const fileName = `${reportId}.${extensionOf(claim.format)}`;
    let file: ReportFile | undefined;
    try {
      file = await ReportFile.create(this.config.REPORTS_DIR, fileName, claim.attempt);
      const reader = await SettledRowReader.open(this.config.DATABASE_URL, claim);
      const progress = this.progressReporter(reportId, claim.attempt, reader.count);
      const rowCount = reader.count;
      const sum = reader.totals;
      try {
        if (claim.format === ReportFormat.CSV) await this.writeCsv(reader, file, progress);
        else await this.writeXlsx(reader, new XlsxReportWriter(file.sink), progress);
      } finally {
        await reader.close();
      }
      const { sha256, bytes } = await file.complete();
      // Not transactionWithRetry: publishing the file is not a database write, so the transaction is run once.
      const published = await this.dataSource.transaction(async (em) => {
        const owned: unknown[] = await em.query(
          `SELECT id FROM settlement_report WHERE id = $1 AND attempts = $2 AND status = 'RUNNING' FOR UPDATE`,
          [reportId, claim.attempt],
        );
        if (owned.length === 0) return false;
        await file!.publish();
        await em.query(
          `UPDATE settlement_report
              SET status = 'SUCCEEDED', progress_percent = 100, row_count = $3, total_quantity = $4, total_net_amount = $5,
                  total_tax_amount = $6, total_gross_amount = $7, total_cost_amount = $8, sha256 = $9, file_name = $10,
                  error = NULL, finished_at = now()
            WHERE id = $1 AND attempts = $2`,
          [
            reportId,
            claim.attempt,
            rowCount,
            sum.quantity,
            sum.netAmount.toFixed(2),
            sum.taxAmount.toFixed(2),
            sum.grossAmount.toFixed(2),
            sum.costAmount.toFixed(2),
            sha256,
            fileName,
          ],
        );
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

  /** Takes a QUEUED or RUNNING report for a new attempt; null when it is finished or unknown. */
  private async claim(reportId: string): Promise<Claim | null> {
    const [rows]: [{ attempts: number; format: ReportFormat; period_from: Date; period_to: Date; partner_id: string | null }[]] =
      await this.dataSource.query(
        `UPDATE settlement_report
            SET status = 'RUNNING', attempts = attempts + 1, progress_percent = 0, started_at = now(), finished_at = NULL, error = NULL
          WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')
          RETURNING attempts, format, period_from, period_to, partner_id`,
        [reportId],
      );
    const row = rows[0];
    return row ? { attempt: row.attempts, format: row.format, from: row.period_from, to: row.period_to, partnerId: row.partner_id } : null;
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
      await this.dataSource.query(
        `UPDATE settlement_report SET progress_percent = $3 WHERE id = $1 AND attempts = $2 AND status = 'RUNNING'`,
        [reportId, attempt, percent],
      );
    };
  }

  private async recordFailure(reportId: string, attempt: number, error: unknown, lastAttempt: boolean): Promise<void> {
    const message = this.describe(reportId, error);
    const text = lastAttempt ? `${message} Gave up after ${attempt} attempts; request the report again.` : `${message} Retrying.`;
    await this.dataSource
      .query(
        `UPDATE settlement_report
            SET status = $3, error = $4, progress_percent = 0, finished_at = CASE WHEN $3 = 'FAILED' THEN now() END
          WHERE id = $1 AND attempts = $2 AND status = 'RUNNING'`,
        [reportId, attempt, lastAttempt ? ReportStatus.FAILED : ReportStatus.QUEUED, text],
      )
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
