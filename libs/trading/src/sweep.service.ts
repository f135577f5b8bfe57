import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MatchTrigger } from './match-trigger';
import { OPEN_SQL } from './order-status';

/**
 * Postgres is the source of truth: the sweep asks for a match run of every market with open
 * orders, so a job lost with Redis (flushed, restarted, a crash between commit and enqueue)
 * only delays matching. One probe of the open-orders partial index per market: its cost follows
 * the number of markets, not of orders.
 */
@Injectable()
export class TradingSweep {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly matchTrigger: MatchTrigger,
  ) {}

  async run(): Promise<number> {
    const rows: { market_id: string }[] = await this.dataSource.query(
      `SELECT m.id AS market_id FROM market m
        WHERE EXISTS (SELECT 1 FROM orders o WHERE o.market_id = m.id AND o.${OPEN_SQL})`,
    );
    await this.matchTrigger.request(rows.map((r) => r.market_id));
    return rows.length;
  }
}
