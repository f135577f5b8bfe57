import { Inject, Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { APP_CONFIG, AppConfig, BatchCollector, QueueName, QueueWorker } from '@gpupool/platform';
import { SettlementService } from './settlement.service';
import { fillsOfSettleJob, SettleFillJob } from './settlement-trigger';

/** The most fills settled in one transaction. */
export const SETTLEMENT_BATCH = 1000;

/**
 * Runs settle jobs, of one fill (the first payload shape) or of a batch. The fills of the jobs that
 * arrive while WORKER_CONCURRENCY transactions are running are settled together in the next one
 * (up to SETTLEMENT_BATCH fills), so a transaction's cost is shared by many fills; a job completes
 * once all its fills' settlements are committed. Idempotent: a job delivered twice, or again after
 * its worker was killed, finds the settlements and changes nothing.
 */
@Injectable()
export class SettlementProcessor extends QueueWorker<SettleFillJob> {
  private readonly batches: BatchCollector<string, undefined>;

  constructor(@Inject(APP_CONFIG) config: AppConfig, settlements: SettlementService) {
    // Enough jobs in flight to fill the running batches when each job names one fill.
    super(QueueName.SETTLEMENT, config, { concurrency: config.WORKER_CONCURRENCY * SETTLEMENT_BATCH });
    this.batches = new BatchCollector(
      async (fillIds) => {
        await settlements.settleAll(fillIds);
        return fillIds.map(() => undefined);
      },
      SETTLEMENT_BATCH,
      config.WORKER_CONCURRENCY,
    );
  }

  async process(job: Job<SettleFillJob>): Promise<void> {
    await Promise.all(fillsOfSettleJob(job.data).map((fillId) => this.batches.load(fillId)));
  }
}
