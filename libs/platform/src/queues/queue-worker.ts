import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Job, Worker, WorkerOptions } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { observeJobs } from '../metrics/job-metrics';
import { QueueName } from './queue-names';
import { workerOptions } from './worker-options';

/**
 * The one way a queue is run here: a BullMQ worker built from the config (concurrency, job lock,
 * stalled checks; `options` overrides), started once the whole worker app is up, its jobs timed on
 * /metrics, its errors logged, and closed (running jobs finish) before the database goes away.
 * A processor extends it and says what one job does.
 */
export abstract class QueueWorker<T> implements OnApplicationBootstrap, OnModuleDestroy {
  protected readonly logger = new Logger(this.constructor.name);
  private worker?: Worker<T>;

  protected constructor(
    private readonly queueName: QueueName,
    private readonly workerConfig: AppConfig,
    private readonly overrides: Partial<WorkerOptions> = {},
  ) {}

  onApplicationBootstrap(): void {
    const options = { ...workerOptions(this.workerConfig), ...this.overrides };
    this.worker = new Worker<T>(this.queueName, (job) => this.process(job), options);
    this.worker.on('error', (error) => this.logger.warn({ err: error }, `${this.queueName} worker error`));
    observeJobs(this.worker);
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
  }

  /** The queue it runs, and whether it is fetching and processing jobs (`running`) or not. */
  state(): { queue: QueueName; state: 'running' | 'paused' | 'closed' } {
    const worker = this.worker;
    const state = !worker || worker.closing || !worker.isRunning() ? 'closed' : worker.isPaused() ? 'paused' : 'running';
    return { queue: this.queueName, state };
  }

  /** What one job does; a throw fails the attempt (BullMQ retries it as the job's options say). */
  abstract process(job: Job<T>): Promise<void>;
}
