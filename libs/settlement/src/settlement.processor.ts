import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import {
  APP_CONFIG,
  AppConfig,
  fillsOfSettleJob,
  jobsProcessed,
  observeJobs,
  QueueName,
  SettleFillJob,
  workerOptions,
} from '@gpupool/platform';
import { BatchCollector } from './batch-collector';
import { SettlementService } from './settlement.service';

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
export class SettlementProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SettlementProcessor.name);
  private readonly batches: BatchCollector<string, undefined>;
  private worker?: Worker<SettleFillJob>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    settlements: SettlementService,
  ) {
    this.batches = new BatchCollector(
      async (fillIds) => {
        await settlements.settleAll(fillIds);
        return fillIds.map(() => undefined);
      },
      SETTLEMENT_BATCH,
      config.WORKER_CONCURRENCY,
    );
  }

  onApplicationBootstrap(): void {
    // Enough jobs in flight to fill the running batches when each job names one fill.
    const concurrency = this.config.WORKER_CONCURRENCY * SETTLEMENT_BATCH;
    this.worker = new Worker<SettleFillJob>(QueueName.SETTLEMENT, (job) => this.process(job), {
      ...workerOptions(this.config),
      concurrency,
    });
    this.worker.on('error', (error) => this.logger.warn({ err: error }, 'settlement worker error'));
    observeJobs(this.worker);
  }

  /** Lets the running jobs finish before the database goes away. */
  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
  }

  async process(job: Job<SettleFillJob>): Promise<void> {
    try {
      await Promise.all(fillsOfSettleJob(job.data).map((fillId) => this.batches.load(fillId)));
      jobsProcessed.inc({ queue: QueueName.SETTLEMENT, outcome: 'completed' });
    } catch (error) {
      jobsProcessed.inc({ queue: QueueName.SETTLEMENT, outcome: 'failed' });
      throw error;
    }
  }
}
