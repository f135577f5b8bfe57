import { Injectable } from '@nestjs/common';
import { InventoryService } from '@gpupool/inventory';
import { MatchTrigger } from './match-trigger';
import { OrderRepository } from './order.repository';

/**
 * Postgres is the source of truth: the sweep asks for a match run of every market with open
 * orders, so a job lost with Redis (flushed, restarted, a crash between commit and enqueue)
 * only delays matching. One probe of the open book (`order_book`) per market: its cost follows
 * the number of markets, not of orders.
 */
@Injectable()
export class TradingSweep {
  constructor(
    private readonly inventory: InventoryService,
    private readonly orders: OrderRepository,
    private readonly matchTrigger: MatchTrigger,
  ) {}

  async run(): Promise<number> {
    const marketIds = await this.orders.marketsWithOpenOrders(await this.inventory.marketIds());
    await this.matchTrigger.request(marketIds);
    return marketIds.length;
  }
}
