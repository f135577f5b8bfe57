import { Inject, Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { APP_CONFIG, AppConfig, QueueName, QueueWorker } from '@gpupool/platform';
import { MatchMarketJob } from './match-trigger';
import { MatchingService } from './matching.service';

/** Runs match jobs; idempotent, since a run only acts on what is open now. */
@Injectable()
export class MatchingProcessor extends QueueWorker<MatchMarketJob> {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly matching: MatchingService,
  ) {
    super(QueueName.MATCHING, config);
  }

  async process(job: Job<MatchMarketJob>): Promise<void> {
    const summary = await this.matching.run(job.data.marketId);
    if (summary.fills > 0 || summary.ended > 0) this.logger.log({ jobId: job.id, marketId: job.data.marketId, ...summary }, 'match run');
  }
}
