import { WorkerOptions } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { bullmqTelemetry } from '../tracing/tracing';

/**
 * The options of a BullMQ worker, from the config: the queues' Redis and prefix, how many jobs it
 * runs at once, how long a job's lock lasts without renewal, and how often stalled jobs (their
 * worker died) are looked for; a killed worker's job runs again within about two stalled intervals.
 */
export function workerOptions(config: AppConfig): WorkerOptions {
  return {
    connection: { url: config.REDIS_URL, maxRetriesPerRequest: null },
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    lockDuration: config.WORKER_LOCK_DURATION_MS,
    stalledInterval: config.WORKER_STALLED_INTERVAL_MS,
    telemetry: bullmqTelemetry(),
  };
}
