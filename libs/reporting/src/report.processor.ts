import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig, BuildReportJob, jobsProcessed, observeJobs, QueueName, workerOptions } from '@gpupool/platform';
import { ReportBuilder } from './report-builder.service';

/** Reports one worker process builds at a time; each is a long stream, mostly CPU. */
export const REPORTS_PER_WORKER = 2;

/**
 * Runs report jobs. Each attempt (a retry, or a run again after a worker was killed) starts the
 * file over, so an attempt that died half-way leaves nothing that counts. The BullMQ worker is
 * built from the config (lock duration, stalled-check interval) and starts once the app is up.
 */
@Injectable()
export class ReportProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReportProcessor.name);
  private worker?: Worker<BuildReportJob>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly builder: ReportBuilder,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = new Worker<BuildReportJob>(QueueName.REPORTS, (job) => this.process(job), {
      ...workerOptions(this.config),
      concurrency: REPORTS_PER_WORKER,
    });
    this.worker.on('error', (error) => this.logger.warn({ err: error }, 'report worker error'));
    observeJobs(this.worker);
  }

  /** Lets running reports finish before the database goes away. */
  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
  }

  async process(job: Job<BuildReportJob>): Promise<void> {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    try {
      await this.builder.build(job.data.reportId, lastAttempt);
      jobsProcessed.inc({ queue: QueueName.REPORTS, outcome: 'completed' });
    } catch (error) {
      jobsProcessed.inc({ queue: QueueName.REPORTS, outcome: 'failed' });
      throw error;
    }
  }
}
