import { Injectable } from '@nestjs/common';
import { FillPosition, FillRepository } from '@gpupool/trading';
import { SettlementSweepMarkRepository } from './settlement-sweep-mark.repository';
import { SettlementTrigger } from './settlement-trigger';

const PAGE = 5000;
/**
 * How far behind now the watermark stays: a fill's execution time is taken when its match run
 * starts, so a fill may become visible a little after later fills; a run never lasts this long.
 */
export const LATE_COMMIT_MARGIN_MS = 10 * 60_000;

/**
 * Postgres is the source of truth: every sweep queues the settlement of every fill that has none,
 * so a job lost with Redis (flushed, restarted, a crash between commit and enqueue) or failed for
 * good (its retries spent, its worker killed twice) delays a fill by one sweep interval at most.
 * Each round's jobs are new jobs (their ids name the round), so no failed job stands in their way.
 * The sweep reads fills from a watermark before which every fill is settled, which it moves up
 * each round: its cost follows the fills since the oldest unsettled one, not the whole history.
 */
@Injectable()
export class SettlementSweep {
  constructor(
    private readonly mark: SettlementSweepMarkRepository,
    private readonly fills: FillRepository,
    private readonly trigger: SettlementTrigger,
  ) {}

  /** Returns how many unsettled fills it queued. */
  async run(): Promise<number> {
    const since = await this.mark.settledBefore();
    const round = Date.now().toString(36);
    let first: FillPosition | undefined;
    let after: FillPosition | null = null;
    let queued = 0;
    for (;;) {
      const page = await this.fills.unsettledSince(since, after, PAGE);
      first ??= page[0];
      await this.trigger.request(
        page.map((f) => f.id),
        round,
      );
      queued += page.length;
      if (page.length < PAGE) break;
      after = page.at(-1)!;
    }
    await this.mark.moveUp(first?.executedAt ?? null, LATE_COMMIT_MARGIN_MS);
    return queued;
  }
}
