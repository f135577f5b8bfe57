import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { isUuid, JobName, QueueName, SettleFillJob, SettlementTrigger } from '@gpupool/platform';

const PAGE = 5000;
/** The most recently failed settle jobs looked at in one sweep. */
const FAILED_PAGE = 1000;

/**
 * Postgres is the source of truth: the sweep queues the settlement of every fill that has none,
 * so a job lost with Redis (flushed, restarted, a crash between commit and enqueue) only delays
 * it. A fill still queued is not queued twice (its job id is `settle-<fill>`); a fill whose job
 * failed for good (its retries spent, or its worker killed twice) has that job run again.
 */
@Injectable()
export class SettlementSweep {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.SETTLEMENT) private readonly queue: Queue<SettleFillJob>,
    private readonly trigger: SettlementTrigger,
  ) {}

  /** Returns how many unsettled fills it queued, or queued again. */
  async run(): Promise<number> {
    let queued = await this.retryFailed();
    let after: { executed_at: Date; id: string } | undefined;
    for (;;) {
      const rows: { id: string; executed_at: Date }[] = await this.dataSource.query(
        `SELECT f.id, f.executed_at FROM fill f LEFT JOIN settlement s ON s.fill_id = f.id
          WHERE s.id IS NULL AND ($1::timestamptz IS NULL OR (f.executed_at, f.id) > ($1::timestamptz, $2::uuid))
          ORDER BY f.executed_at, f.id
          LIMIT ${PAGE}`,
        [after?.executed_at ?? null, after?.id ?? null],
      );
      await this.trigger.request(rows.map((r) => r.id));
      queued += rows.length;
      if (rows.length < PAGE) return queued;
      after = rows.at(-1);
    }
  }

  /** A failed job keeps its id, so queuing its fill again would do nothing: retry it while its fill is unsettled. */
  private async retryFailed(): Promise<number> {
    const failed = (await this.queue.getFailed(0, FAILED_PAGE - 1)).filter(
      (job) => job.name === JobName.SETTLE_FILL && isUuid(job.data.fillId),
    );
    if (failed.length === 0) return 0;
    const unsettled: { id: string }[] = await this.dataSource.query(
      `SELECT f.id FROM fill f LEFT JOIN settlement s ON s.fill_id = f.id WHERE f.id = ANY($1::uuid[]) AND s.id IS NULL`,
      [failed.map((job) => job.data.fillId)],
    );
    const ids = new Set(unsettled.map((r) => r.id));
    const retry = failed.filter((job) => ids.has(job.data.fillId));
    await Promise.all(retry.map((job) => job.retry('failed')));
    return retry.length;
  }
}
