import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Queue } from 'bullmq';
import { TradingSweep } from '@gpupool/trading';
import { APP_CONFIG, AppConfig, JobName, QueueName } from '@gpupool/platform';

/**
 * The periodic sweep: re-queues the work Postgres says is pending (markets with open orders), so
 * a lost job, a crash between commit and enqueue or a flushed Redis only delays it. The schedule
 * is a BullMQ job scheduler: one run per interval across all workers.
 */
@Processor(QueueName.SWEEPS)
export class SweepProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(SweepProcessor.name);

  constructor(
    @InjectQueue(QueueName.SWEEPS) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly trading: TradingSweep,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(JobName.SWEEP, { every: this.config.SWEEP_INTERVAL_MS }, { name: JobName.SWEEP });
  }

  async process(): Promise<void> {
    const markets = await this.trading.run();
    this.logger.debug({ markets }, 'sweep');
  }
}
