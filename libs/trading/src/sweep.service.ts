import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MatchTrigger } from '@gpupool/platform';

/**
 * Postgres is the source of truth: the sweep asks for a match run of every market with open
 * orders, so a job lost with Redis (flushed, restarted, a crash between commit and enqueue)
 * only delays matching.
 */
@Injectable()
export class TradingSweep {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly matchTrigger: MatchTrigger,
  ) {}

  async run(): Promise<number> {
    const rows: { market_id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT market_id FROM orders WHERE status IN ('OPEN', 'PARTIALLY_FILLED')`,
    );
    await this.matchTrigger.request(rows.map((r) => r.market_id));
    return rows.length;
  }
}
