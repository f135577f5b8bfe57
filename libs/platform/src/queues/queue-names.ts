/**
 * Every BullMQ queue (registered once, listed on the dashboard and /metrics). The jobs each carries
 * and their payloads (ids only, never entities) are declared by the domain that runs them.
 */
export const QueueName = {
  MATCHING: 'matching',
  SETTLEMENT: 'settlement',
  REPORTS: 'reports',
  SWEEPS: 'sweeps',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/** Retries with exponential backoff; completed and failed jobs kept within limits. */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
} as const;
