import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { QueueName } from '@gpupool/platform';

/** The job of the `matching` queue: one match run of a market. */
export const MATCH_MARKET_JOB = 'match-market';
export interface MatchMarketJob {
  marketId: string;
}

/** How long a requested run waits for more orders of its market to arrive before it starts. */
export const MATCH_GATHER_MS = 25;

/**
 * Asks for a match run of markets whose book or supply changed. Call it after the change has
 * committed. A requested run waits MATCH_GATHER_MS, and at most one run per market waits while
 * another is active (BullMQ deduplication with keepLastIfActive), so a burst of orders costs a
 * few runs, not one per order. A failed enqueue (Redis down) is logged, not
 * thrown: the change is already committed and the periodic sweep matches the market later.
 */
@Injectable()
export class MatchTrigger {
  private readonly logger = new Logger(MatchTrigger.name);

  constructor(@InjectQueue(QueueName.MATCHING) private readonly queue: Queue<MatchMarketJob>) {}

  async request(marketIds: Iterable<string>): Promise<void> {
    const unique = [...new Set(marketIds)];
    await Promise.all(
      unique.map((marketId) =>
        this.queue
          .add(
            MATCH_MARKET_JOB,
            { marketId },
            { delay: MATCH_GATHER_MS, deduplication: { id: `match:${marketId}`, keepLastIfActive: true } },
          )
          .catch((error: unknown) => this.logger.warn({ marketId, err: error }, 'match run not queued; the sweep will catch up')),
      ),
    );
  }
}
