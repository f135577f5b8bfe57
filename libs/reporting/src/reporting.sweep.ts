import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gpupool/platform';
import { ReportQueue } from './report-queue';
import { SettlementReportRepository } from './settlement-report.repository';

const PAGE = 1000;

/**
 * Postgres is the source of truth: a report still QUEUED or RUNNING longer than one sweep interval
 * with no BullMQ job waiting or running for it (Redis flushed, a crash between commit and
 * enqueue) is queued again, so the next sweep finds it. The files of reports that finished more
 * than REPORTS_RETENTION_DAYS ago are removed, and the report records when. Both read through
 * partial indexes of the reports still pending or still holding a file, never the whole history.
 */
@Injectable()
export class ReportingSweep {
  private readonly logger = new Logger(ReportingSweep.name);

  constructor(
    private readonly reports: SettlementReportRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: ReportQueue,
  ) {}

  /** Returns how many reports were queued again. */
  async run(stuckAfterMs = this.config.SWEEP_INTERVAL_MS): Promise<number> {
    const ids = await this.reports.pendingSince(stuckAfterMs, PAGE);
    let requeued = 0;
    for (const id of ids) if (await this.queue.requeue(id)) requeued++;
    const removed = await this.removeExpiredFiles();
    if (removed > 0) this.logger.log({ removed, retentionDays: this.config.REPORTS_RETENTION_DAYS }, 'report files removed');
    return requeued;
  }

  /**
   * Removes the files of reports finished more than REPORTS_RETENTION_DAYS ago, then records
   * fileDeletedAt: a crash in between leaves the report to the next sweep, where the file is gone already.
   */
  async removeExpiredFiles(): Promise<number> {
    let removed = 0;
    for (;;) {
      const rows = await this.reports.expiredFiles(this.config.REPORTS_RETENTION_DAYS, PAGE);
      for (const { file_name } of rows) {
        await unlink(join(this.config.REPORTS_DIR, file_name)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
      }
      if (rows.length > 0) {
        await this.reports.recordFilesDeleted(rows.map((r) => r.id));
      }
      removed += rows.length;
      if (rows.length < PAGE) return removed;
    }
  }
}
