import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { QueueName } from '@gpupool/platform';

/** The job of the `settlement` queue: the settlement of one fill (the first shape, still accepted) or of a batch. */
export const SETTLE_FILL_JOB = 'settle-fill';
export type SettleFillJob = { fillId: string } | { fillIds: string[] };

/** The fills a settle job names, whichever its shape. */
export function fillsOfSettleJob(data: SettleFillJob): string[] {
  return 'fillIds' in data ? data.fillIds : [data.fillId];
}

/** The most fills one settle job carries. */
export const SETTLE_JOB_FILLS = 1000;

/**
 * The id of the settle job of a batch of fills (BullMQ refuses `:` in a job id of its own choosing):
 * its first fill and its size, and for a sweep the round that queued it, so a job that failed for
 * good never keeps the next round from queuing its fills again.
 */
export const settleJobId = (fillIds: readonly string[], round?: string) =>
  `settle-${fillIds[0]}-${fillIds.length}${round === undefined ? '' : `-${round}`}`;

/**
 * Queues the settlement of committed fills, up to SETTLE_JOB_FILLS fills a job, in one Redis round
 * trip per 100 jobs. The same fills queued twice by the same caller make one job; fills queued twice
 * in any other way are settled once (the settlement checks, under lock, what is already settled).
 * A failed enqueue is logged; the sweep re-queues unsettled fills.
 */
@Injectable()
export class SettlementTrigger {
  private readonly logger = new Logger(SettlementTrigger.name);

  constructor(@InjectQueue(QueueName.SETTLEMENT) private readonly queue: Queue<SettleFillJob>) {}

  /** `round` names a sweep round, whose jobs are new even when an earlier job of the same fills failed. */
  async request(fillIds: readonly string[], round?: string): Promise<void> {
    const jobs = [];
    for (let i = 0; i < fillIds.length; i += SETTLE_JOB_FILLS) {
      const batch = fillIds.slice(i, i + SETTLE_JOB_FILLS);
      jobs.push({ name: SETTLE_FILL_JOB, data: { fillIds: batch }, opts: { jobId: settleJobId(batch, round) } });
    }
    for (let i = 0; i < jobs.length; i += 100) {
      const some = jobs.slice(i, i + 100);
      await this.queue.addBulk(some).catch((error: unknown) => {
        this.logger.warn({ jobs: some.length, err: error }, 'settlement not queued; the sweep will catch up');
      });
    }
  }
}
