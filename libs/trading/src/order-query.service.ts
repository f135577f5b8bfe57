import { Injectable } from '@nestjs/common';
import { InventoryService } from '@gpupool/inventory';
import { AuthPrincipal, isUuid, Page, partnerScope } from '@gpupool/platform';
import { Fill } from './fill.entity';
import { FillRepository } from './fill.repository';
import { Order } from './order.entity';
import { OrderRepository } from './order.repository';
import { FillFilter, OrderBookModel, OrderFilter } from './trading.models';

const EMPTY = { nodes: [], hasNextPage: false, totalCount: 0, cursorOf: () => '' };

/** Reads of orders, fills and the order book; a partner sees only its own orders and fills. */
@Injectable()
export class OrderQueryService {
  constructor(
    private readonly orderRows: OrderRepository,
    private readonly fillRows: FillRepository,
    private readonly inventory: InventoryService,
  ) {}

  async order(principal: AuthPrincipal, id: string): Promise<Order | null> {
    if (!isUuid(id)) return null;
    return this.orderRows.byId(id, partnerScope(principal));
  }

  async orders(principal: AuthPrincipal, filter: OrderFilter = {}, first: number, after?: string | null): Promise<Page<Order>> {
    const partnerId = partnerScope(principal, filter.partnerId);
    if (partnerId === null) return EMPTY;
    return this.orderRows.page(partnerId, filter, first, after);
  }

  async fills(principal: AuthPrincipal, filter: FillFilter = {}, first: number, after?: string | null): Promise<Page<Fill>> {
    const partnerId = partnerScope(principal, filter.partnerId);
    if (partnerId === null || (filter.orderId && !isUuid(filter.orderId))) return EMPTY;
    return this.fillRows.page(partnerId, filter, first, after);
  }

  fillsByOrderIds(orderIds: readonly string[]): Promise<Fill[]> {
    return this.fillRows.byOrderIds(orderIds);
  }

  /** Open bids aggregated by price level, best first; no partner is named. */
  async orderBook(skuCode: string, regionCode: string): Promise<OrderBookModel> {
    const market = await this.inventory.findMarket(skuCode, regionCode);
    if (!market) {
      await this.inventory.requireCatalogCodes(skuCode, regionCode);
      return { skuCode, regionCode, askPrice: null, availableUnits: 0, bids: [] };
    }
    return {
      skuCode,
      regionCode,
      askPrice: market.askPrice,
      availableUnits: market.availableUnits,
      bids: await this.orderRows.bookLevels(market.id),
    };
  }
}
