import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ReportQueue } from './report-queue';

/** A QUEUED or RUNNING report this old with no live job is queued again. */
export const REPORT_STUCK_AFTER_MS = 3 * 60_000;

/**
 * Postgres is the source of truth: a report still QUEUED or RUNNING with no BullMQ job waiting
 * or running for it (Redis flushed, a crash between commit and enqueue) is queued again.
 */
@Injectable()
export class ReportingSweep {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: ReportQueue,
  ) {}

  /** Returns how many reports were queued again. */
  async run(stuckAfterMs = REPORT_STUCK_AFTER_MS): Promise<number> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM settlement_report
        WHERE status IN ('QUEUED', 'RUNNING') AND created_at < now() - make_interval(secs => $1::double precision / 1000)
        ORDER BY created_at LIMIT 1000`,
      [stuckAfterMs],
    );
    let requeued = 0;
    for (const { id } of rows) if (await this.queue.requeue(id)) requeued++;
    return requeued;
  }
}
