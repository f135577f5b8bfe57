import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { scrapedGauge } from '@gpupool/platform';
import { MarketRepository } from './market.repository';

const unitsSold = scrapedGauge({
  name: 'gpupool_market_units_sold',
  help: 'Units sold so far per market (committed units; only ever grows), read from Postgres when scraped',
  labelNames: ['sku', 'region'] as const,
});

/** Units sold per market for /metrics, read from the markets when scraped. */
@Injectable()
export class InventoryMetrics implements OnModuleInit, OnModuleDestroy {
  private stop?: () => void;

  constructor(private readonly markets: MarketRepository) {}

  onModuleInit(): void {
    this.stop = unitsSold.readFrom(async () =>
      (await this.markets.unitsSold()).map(({ sku, region, units }) => ({ labels: { sku, region }, value: units })),
    );
  }

  onModuleDestroy(): void {
    this.stop?.();
  }
}
