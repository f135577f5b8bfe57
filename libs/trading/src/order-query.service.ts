import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { InventoryService } from '@gpupool/inventory';
import { AuthPrincipal, Decimal, isUuid, keysetPage, Page, tenantOf } from '@gpupool/platform';
import { Fill } from './fill.entity';
import { Order } from './order.entity';
import { OPEN_SQL } from './order-status';
import { FillFilter, OrderBookModel, OrderFilter } from './trading.models';

/** The partner a read is scoped to: a partner sees only its own; staff may filter by partner. */
function scope(principal: AuthPrincipal, requested?: string | null): string | null | undefined {
  const tenant = tenantOf(principal);
  if (!tenant) return requested ?? undefined;
  return requested && requested !== tenant ? null : tenant;
}

const EMPTY = { nodes: [], hasNextPage: false, totalCount: 0, cursorOf: () => '' };

/** Reads of orders, fills and the order book; a partner sees only its own orders and fills. */
@Injectable()
export class OrderQueryService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly inventory: InventoryService,
  ) {}

  async order(principal: AuthPrincipal, id: string): Promise<Order | null> {
    if (!isUuid(id)) return null;
    const partnerId = scope(principal);
    return this.dataSource.getRepository(Order).findOneBy(partnerId ? { id, partnerId } : { id });
  }

  async orders(principal: AuthPrincipal, filter: OrderFilter = {}, first: number, after?: string | null): Promise<Page<Order>> {
    const partnerId = scope(principal, filter.partnerId);
    if (partnerId === null || (filter.partnerId && !isUuid(filter.partnerId))) return EMPTY;
    const query = this.dataSource.getRepository(Order).createQueryBuilder('o').where('TRUE');
    if (partnerId) query.andWhere('o.partner_id = :partnerId', { partnerId });
    if (filter.status?.length) query.andWhere('o.status IN (:...status)', { status: filter.status });
    if (filter.skuCode) query.andWhere('o.sku_code = :sku', { sku: filter.skuCode });
    if (filter.regionCode) query.andWhere('o.region_code = :region', { region: filter.regionCode });
    return keysetPage(query, 'o.created_at', (o) => o.createdAt, first, after);
  }

  async fills(principal: AuthPrincipal, filter: FillFilter = {}, first: number, after?: string | null): Promise<Page<Fill>> {
    const partnerId = scope(principal, filter.partnerId);
    if (partnerId === null || (filter.partnerId && !isUuid(filter.partnerId)) || (filter.orderId && !isUuid(filter.orderId))) return EMPTY;
    const query = this.dataSource.getRepository(Fill).createQueryBuilder('f').where('TRUE');
    if (partnerId) query.andWhere('f.partner_id = :partnerId', { partnerId });
    if (filter.orderId) query.andWhere('f.order_id = :orderId', { orderId: filter.orderId });
    if (filter.skuCode) query.andWhere('f.sku_code = :sku', { sku: filter.skuCode });
    if (filter.regionCode) query.andWhere('f.region_code = :region', { region: filter.regionCode });
    if (filter.from) query.andWhere('f.executed_at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('f.executed_at < :to', { to: filter.to });
    return keysetPage(query, 'f.executed_at', (f) => f.executedAt, first, after);
  }

  fillsByOrderIds(orderIds: readonly string[]): Promise<Fill[]> {
    return this.dataSource.getRepository(Fill).find({ where: { orderId: In([...orderIds]) }, order: { executedAt: 'ASC', id: 'ASC' } });
  }

  /** Open bids aggregated by price level, best first; no partner is named. */
  async orderBook(skuCode: string, regionCode: string): Promise<OrderBookModel> {
    const market = await this.inventory.findMarket(skuCode, regionCode);
    if (!market) {
      await this.inventory.requireCatalogCodes(skuCode, regionCode);
      return { skuCode, regionCode, askPrice: null, availableUnits: 0, bids: [] };
    }
    const levels: { price: string; quantity: string; orders: string }[] = await this.dataSource.query(
      `SELECT limit_price AS price, sum(quantity - filled_quantity) AS quantity, count(*) AS orders
       FROM orders WHERE market_id = $1 AND ${OPEN_SQL}
       GROUP BY limit_price ORDER BY limit_price DESC`,
      [market.id],
    );
    return {
      skuCode,
      regionCode,
      askPrice: market.askPrice,
      availableUnits: market.availableUnits,
      bids: levels.map((l) => ({ price: new Decimal(l.price), quantity: Number(l.quantity), orders: Number(l.orders) })),
    };
  }
}
