import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { scrapedGauge } from '@gpupool/platform';
import { FillRepository } from '@gpupool/trading';
import { SettlementSweepMarkRepository } from './settlement-sweep-mark.repository';

const settlementLag = scrapedGauge({
  name: 'gpupool_settlement_lag_seconds',
  help: 'Age of the oldest fill not settled yet (0 when none waits), read from Postgres when scraped',
});

/**
 * The settlement lag of /metrics: the oldest unsettled fill from the sweep's watermark on, so a
 * scrape reads the fills since then, not the whole history.
 */
@Injectable()
export class SettlementMetrics implements OnModuleInit, OnModuleDestroy {
  private stop?: () => void;

  constructor(
    private readonly mark: SettlementSweepMarkRepository,
    private readonly fills: FillRepository,
  ) {}

  onModuleInit(): void {
    this.stop = settlementLag.readFrom(async () => {
      const [oldest] = await this.fills.unsettledSince(await this.mark.settledBefore(), null, 1);
      return [{ value: oldest ? Math.max(0, (Date.now() - oldest.executedAt.getTime()) / 1000) : 0 }];
    });
  }

  onModuleDestroy(): void {
    this.stop?.();
  }
}
