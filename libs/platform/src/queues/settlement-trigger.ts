import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { JobName, QueueName, SettleFillJob } from './queue-names';

/** The id of a fill's settle job (BullMQ refuses `:` in a job id of its own choosing). */
export const settleJobId = (fillId: string) => `settle-${fillId}`;

/**
 * Queues the settlement of committed fills, one job per fill with the job id `settle-<fill>`, so a
 * fill queued twice is settled by one job. A failed enqueue is logged; the sweep re-queues
 * unsettled fills.
 */
@Injectable()
export class SettlementTrigger {
  private readonly logger = new Logger(SettlementTrigger.name);

  constructor(@InjectQueue(QueueName.SETTLEMENT) private readonly queue: Queue<SettleFillJob>) {}

  async request(fillIds: readonly string[]): Promise<void> {
    for (let i = 0; i < fillIds.length; i += 1000) {
      const batch = fillIds.slice(i, i + 1000).map((fillId) => ({
        name: JobName.SETTLE_FILL,
        data: { fillId },
        opts: { jobId: settleJobId(fillId) },
      }));
      await this.queue.addBulk(batch).catch((error: unknown) => {
        this.logger.warn({ count: batch.length, err: error }, 'settlement not queued; the sweep will catch up');
      });
    }
  }
}
