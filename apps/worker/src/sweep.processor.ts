import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import { ReportingSweep } from '@gpupool/reporting';
import { SettlementSweep } from '@gpupool/settlement';
import { TradingSweep } from '@gpupool/trading';
import { APP_CONFIG, AppConfig, JobName, QueueName } from '@gpupool/platform';

/**
 * The periodic sweep: re-queues the work Postgres says is pending (markets with open orders, fills
 * not settled, reports not built yet), so a lost job, a crash between commit and enqueue or a
 * flushed Redis only delays it. The schedule is a BullMQ job scheduler: one run per interval across
 * all workers.
 */
@Processor(QueueName.SWEEPS)
export class SweepProcessor extends WorkerHost implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SweepProcessor.name);
  private watch?: NodeJS.Timeout;

  constructor(
    @InjectQueue(QueueName.SWEEPS) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly trading: TradingSweep,
    private readonly settlement: SettlementSweep,
    private readonly reporting: ReportingSweep,
  ) {
    super();
  }

  /** Schedules the sweep, and schedules it again whenever Redis has lost the schedule (flushed, or restarted empty). */
  async onApplicationBootstrap(): Promise<void> {
    await this.schedule();
    this.watch = setInterval(() => void this.keepScheduled(), this.config.SWEEP_INTERVAL_MS);
  }

  onModuleDestroy(): void {
    clearInterval(this.watch);
  }

  private async schedule(): Promise<void> {
    await this.queue.upsertJobScheduler(JobName.SWEEP, { every: this.config.SWEEP_INTERVAL_MS }, { name: JobName.SWEEP });
  }

  private async keepScheduled(): Promise<void> {
    try {
      if (!(await this.queue.getJobScheduler(JobName.SWEEP))) await this.schedule();
    } catch (error) {
      this.logger.warn({ err: error }, 'sweep schedule not checked; trying again next interval');
    }
  }

  async process(): Promise<void> {
    const markets = await this.trading.run();
    const fills = await this.settlement.run();
    const reports = await this.reporting.run();
    this.logger.debug({ markets, fills, reports }, 'sweep');
  }
}
