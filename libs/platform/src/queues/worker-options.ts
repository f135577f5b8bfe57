import { WorkerOptions } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { bullmqTelemetry } from '../tracing/tracing';

/**
 * A job whose lock lapsed this many times (its worker died, or its event loop starved past the
 * lock) is failed for good on the next lapse; before that it runs again. Every job here is
 * idempotent (Postgres decides what is done), so running one again is safe, and BullMQ's default
 * of 1 turned two lapses under heavy load into failed jobs whose work the retries had done.
 */
export const MAX_STALLED_COUNT = 5;

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
    maxStalledCount: MAX_STALLED_COUNT,
    telemetry: bullmqTelemetry(),
  };
}
