import { Job, Worker } from 'bullmq';
import { QueueName } from '../queues/queue-names';
import { jobDuration, matchRunDuration, reportDuration } from './metrics';

/** Seconds a finished job ran, from BullMQ's own timestamps. */
function secondsRan(job: Job | undefined): number | undefined {
  if (!job?.processedOn || !job.finishedOn) return undefined;
  return (job.finishedOn - job.processedOn) / 1000;
}

/**
 * Records the duration of every job a BullMQ worker finishes (by queue and outcome), and for the
 * matching and reports queues the match run and report durations. Call once, after creating the worker.
 */
export function observeJobs(worker: Worker): void {
  const record = (job: Job | undefined, outcome: 'completed' | 'failed') => {
    const seconds = secondsRan(job);
    if (seconds === undefined) return;
    jobDuration.observe({ queue: worker.name, outcome }, seconds);
    if (worker.name === QueueName.MATCHING) matchRunDuration.observe(seconds);
    if (worker.name === QueueName.REPORTS) reportDuration.observe({ outcome }, seconds);
  };
  worker.on('completed', (job) => record(job, 'completed'));
  worker.on('failed', (job) => record(job, 'failed'));
}
