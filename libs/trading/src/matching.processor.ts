import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig, jobsProcessed, observeJobs, MatchMarketJob, QueueName, workerOptions } from '@gpupool/platform';
import { MatchingService } from './matching.service';

/**
 * Runs match jobs; idempotent, since a run only acts on what is open now. The BullMQ worker is
 * built from the config (concurrency, lock duration, stalled-check interval), so a job whose
 * worker was killed runs again elsewhere, and it starts once the whole worker app is up.
 */
@Injectable()
export class MatchingProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MatchingProcessor.name);
  private worker?: Worker<MatchMarketJob>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly matching: MatchingService,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = new Worker<MatchMarketJob>(QueueName.MATCHING, (job) => this.process(job), workerOptions(this.config));
    this.worker.on('error', (error) => this.logger.warn({ err: error }, 'matching worker error'));
    observeJobs(this.worker);
  }

  /** Lets the running jobs finish before the database goes away. */
  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
  }

  async process(job: Job<MatchMarketJob>): Promise<void> {
    try {
      const summary = await this.matching.run(job.data.marketId);
      if (summary.fills > 0 || summary.ended > 0) this.logger.log({ jobId: job.id, marketId: job.data.marketId, ...summary }, 'match run');
      jobsProcessed.inc({ queue: QueueName.MATCHING, outcome: 'completed' });
    } catch (error) {
      jobsProcessed.inc({ queue: QueueName.MATCHING, outcome: 'failed' });
      throw error;
    }
  }
}
