/** Every BullMQ queue, with the jobs it carries and their payloads (ids only, never entities). */
export const QueueName = {
  MATCHING: 'matching',
  SETTLEMENT: 'settlement',
  REPORTS: 'reports',
  SWEEPS: 'sweeps',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const JobName = {
  MATCH_MARKET: 'match-market',
  SETTLE_FILL: 'settle-fill',
  BUILD_REPORT: 'build-report',
  SWEEP: 'sweep',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

export interface MatchMarketJob {
  marketId: string;
}
/** The settlement of one fill (the first shape, still accepted) or of a batch of fills. */
export type SettleFillJob = { fillId: string } | { fillIds: string[] };

/** The fills a settle job names, whichever its shape. */
export function fillsOfSettleJob(data: SettleFillJob): string[] {
  return 'fillIds' in data ? data.fillIds : [data.fillId];
}
export interface BuildReportJob {
  reportId: string;
}

/** Retries with exponential backoff; completed and failed jobs kept within limits. */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
} as const;
