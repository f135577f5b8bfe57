import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { jobsProcessed, MatchMarketJob, QueueName } from '@gpupool/platform';
import { MatchingService } from './matching.service';

/** Runs one market's match; idempotent, since a run only acts on what is open now. */
@Processor(QueueName.MATCHING, { concurrency: 4 })
export class MatchingProcessor extends WorkerHost {
  private readonly logger = new Logger(MatchingProcessor.name);

  constructor(private readonly matching: MatchingService) {
    super();
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
