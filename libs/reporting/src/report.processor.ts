import { Inject, Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { APP_CONFIG, AppConfig, QueueName, QueueWorker } from '@gpupool/platform';
import { ReportBuilder } from './report-builder.service';
import { BuildReportJob } from './report-queue';

/** Reports one worker process builds at a time; each is a long stream, mostly CPU. */
export const REPORTS_PER_WORKER = 2;

/**
 * Runs report jobs. Each attempt (a retry, or a run again after a worker was killed) starts the
 * file over, so an attempt that died half-way leaves nothing that counts.
 */
@Injectable()
export class ReportProcessor extends QueueWorker<BuildReportJob> {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly builder: ReportBuilder,
  ) {
    super(QueueName.REPORTS, config, { concurrency: REPORTS_PER_WORKER });
  }

  async process(job: Job<BuildReportJob>): Promise<void> {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    await this.builder.build(job.data.reportId, lastAttempt);
  }
}
