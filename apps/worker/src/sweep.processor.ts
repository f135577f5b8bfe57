import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { ReportingSweep } from '@gpupool/reporting';
import { SettlementSweep } from '@gpupool/settlement';
import { TradingSweep } from '@gpupool/trading';
import { APP_CONFIG, AppConfig, QueueName, QueueWorker } from '@gpupool/platform';

/** The one job of the `sweeps` queue, and the name of its scheduler. */
const SWEEP_JOB = 'sweep';

/**
 * The periodic sweep: re-queues the work Postgres says is pending (markets with open orders, fills
 * not settled, reports not built yet), so a lost job, a crash between commit and enqueue or a
 * flushed Redis only delays it. The schedule is a BullMQ job scheduler: one run per interval across
 * all workers; each worker runs one sweep at a time.
 */
@Injectable()
export class SweepProcessor extends QueueWorker<unknown> {
  private watch?: NodeJS.Timeout;

  constructor(
    @InjectQueue(QueueName.SWEEPS) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly trading: TradingSweep,
    private readonly settlement: SettlementSweep,
    private readonly reporting: ReportingSweep,
  ) {
    super(QueueName.SWEEPS, config, { concurrency: 1 });
  }

  /** Schedules the sweep, and schedules it again whenever Redis has lost the schedule (flushed, or restarted empty). */
  override async onApplicationBootstrap(): Promise<void> {
    await this.keepScheduled();
    this.watch = setInterval(() => void this.keepScheduled(), this.config.SWEEP_INTERVAL_MS);
    super.onApplicationBootstrap();
  }

  override async onModuleDestroy(): Promise<void> {
    clearInterval(this.watch);
    await super.onModuleDestroy();
  }

  private async schedule(): Promise<void> {
    await this.queue.upsertJobScheduler(SWEEP_JOB, { every: this.config.SWEEP_INTERVAL_MS }, { name: SWEEP_JOB });
  }

  private async keepScheduled(): Promise<void> {
    try {
      if (!(await this.queue.getJobScheduler(SWEEP_JOB))) await this.schedule();
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
