import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Decimal, keysetPage, Page, PreparedStatement, runPrepared } from '@gpupool/platform';
import { ORDER_COLUMNS, orderFromRow, OrderRow } from './order-row';
import { Order } from './order.entity';
import { OrderFilter, PlaceOrderInput } from './trading.models';

/** Rows a match run reads or writes per statement. */
export const RUN_BATCH = 10_000;

/** Open orders: the open book (one row per open order, kept by triggers on `orders`) with each order's row. */
const OPEN_ORDERS = 'order_book b JOIN orders o ON o.id = b.order_id';

/**
 * placeOrder in one autocommit statement: trading's `place_order` (migrations/) inserts the order
 * unless its key is taken, reserves export headroom and holds credit, or raises the refusal.
 */
const PLACE_ORDER: PreparedStatement = {
  name: 'place-order',
  text: `SELECT ${ORDER_COLUMNS} FROM place_order($1, $2, $3, $4, $5, $6, $7, $8) o`,
};

/** The run's reads of its book and its write-back: prepared, as they run at every match run. */
const EXPIRED: PreparedStatement = {
  name: 'orders-expired',
  text: `SELECT ${ORDER_COLUMNS} FROM ${OPEN_ORDERS} WHERE b.market_id = $1 AND b.expires_at <= now() ORDER BY b.seq LIMIT $2`,
};
const INCOMING: PreparedStatement = {
  name: 'orders-incoming',
  text: `SELECT ${ORDER_COLUMNS} FROM ${OPEN_ORDERS} WHERE b.market_id = $1 AND NOT b.resting ORDER BY b.seq LIMIT $2`,
};
const WRITE_STATES: PreparedStatement = {
  name: 'orders-write-states',
  text: `UPDATE orders o SET filled_quantity = u.filled, filled_amount = u.amount, status = u.status, status_reason = u.reason,
                hold_released = u.released, resting = true, updated_at = $7
           FROM unnest($1::uuid[], $2::int[], $3::numeric[], $4::text[], $5::text[], $6::numeric[]) AS u(id, filled, amount, status, reason, released)
          WHERE o.id = u.id`,
};

/** A price level of the open book. */
export interface BookLevel {
  price: Decimal;
  quantity: number;
  orders: number;
}

/**
 * The SQL of `orders`. Every change of an open order is made under its market's lock, which the
 * caller holds; reads of a match run take no row locks.
 */
@Injectable()
export class OrderRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Places the order in one statement on a connection of its own (prepared): the new order, or
   * null when nothing was written because the key's order exists or the market or expiry is
   * refused. A refused export or credit hold is thrown as the database raised it.
   */
  async place(partnerId: string, input: PlaceOrderInput): Promise<Order | null> {
    const {
      rows: [row],
    } = await runPrepared<OrderRow>(this.dataSource.manager, PLACE_ORDER, [
      partnerId,
      input.clientOrderId,
      input.skuCode,
      input.regionCode,
      input.quantity,
      input.limitPrice.toFixed(),
      input.timeInForce,
      input.expiresAt ?? null,
    ]);
    return row ? orderFromRow(row) : null;
  }

  /** The partner's order of this clientOrderId. */
  async byClientOrderId(em: EntityManager, partnerId: string, clientOrderId: string): Promise<Order | null> {
    const [row]: OrderRow[] = await em.query(`SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.partner_id = $1 AND o.client_order_id = $2`, [
      partnerId,
      clientOrderId,
    ]);
    return row ? orderFromRow(row) : null;
  }

  /** The order, if it is the partner's (or any order, without `partnerId`). */
  byId(id: string, partnerId?: string | null, em: EntityManager = this.dataSource.manager): Promise<Order | null> {
    return em.findOneBy(Order, partnerId ? { id, partnerId } : { id });
  }

  /** The first `limit` open orders of the market that expired, in arrival order (prepared). */
  async expired(em: EntityManager, marketId: string, limit: number): Promise<Order[]> {
    const { rows } = await runPrepared<OrderRow>(em, EXPIRED, [marketId, limit]);
    return rows.map(orderFromRow);
  }

  /** The first `limit` open orders of the market placed by `partnerIds`, in arrival order. */
  async openOfPartners(em: EntityManager, marketId: string, partnerIds: readonly string[], limit: number): Promise<Order[]> {
    const rows: OrderRow[] = await em.query(
      `SELECT ${ORDER_COLUMNS} FROM ${OPEN_ORDERS} WHERE b.market_id = $1 AND b.partner_id = ANY($2::uuid[]) ORDER BY b.seq LIMIT $3`,
      [marketId, partnerIds, limit],
    );
    return rows.map(orderFromRow);
  }

  /** The first `limit` open orders of the market no match run has seen yet, in arrival order (prepared). */
  async incoming(em: EntityManager, marketId: string, limit: number): Promise<Order[]> {
    const { rows } = await runPrepared<OrderRow>(em, INCOMING, [marketId, limit]);
    return rows.map(orderFromRow);
  }

  /** Which of `partnerIds` have an open order in the market. */
  async partnersWithOpenOrders(em: EntityManager, marketId: string, partnerIds: readonly string[]): Promise<Set<string>> {
    const rows: { partner_id: string }[] = await em.query(
      `SELECT DISTINCT b.partner_id FROM order_book b WHERE b.market_id = $1 AND b.partner_id = ANY($2::uuid[])`,
      [marketId, partnerIds],
    );
    return new Set(rows.map((r) => r.partner_id));
  }

  /** Which of `marketIds` have an open order: one probe of the open book per market. */
  async marketsWithOpenOrders(marketIds: readonly string[]): Promise<string[]> {
    const rows: { market_id: string }[] = await this.dataSource.query(
      `SELECT m.id AS market_id FROM unnest($1::uuid[]) AS m(id)
        WHERE EXISTS (SELECT 1 FROM order_book b WHERE b.market_id = m.id)`,
      [marketIds],
    );
    return rows.map((r) => r.market_id);
  }

  /**
   * The one writer of an order's state after it was placed: what it filled, its status (moved by
   * `nextStatus`, order-status.ts), why it waits or ended, the part of its hold it gave back, and that
   * a match run has seen it (`resting`, true for ended orders too). One statement for all `orders`
   * (set-based, `unnest`), under their market's lock, which the caller holds.
   */
  async writeStates(em: EntityManager, orders: readonly Order[], at: Date): Promise<void> {
    if (orders.length === 0) return;
    const written = runPrepared(em, WRITE_STATES, [
      orders.map((o) => o.id),
      orders.map((o) => o.filledQuantity),
      orders.map((o) => o.filledAmount.toFixed(2)),
      orders.map((o) => o.status),
      orders.map((o) => o.statusReason),
      orders.map((o) => o.holdReleased.toFixed(2)),
      at,
    ]);
    // The orders as written, at once: a caller may describe them while the statement runs.
    for (const order of orders) {
      order.resting = true;
      order.updatedAt = at;
    }
    await written;
  }

  /** Orders newest first, of one partner or all, filtered. */
  page(partnerId: string | undefined, filter: OrderFilter, first: number, after?: string | null): Promise<Page<Order>> {
    const query = this.dataSource.getRepository(Order).createQueryBuilder('o').where('TRUE');
    if (partnerId) query.andWhere('o.partner_id = :partnerId', { partnerId });
    if (filter.status?.length) query.andWhere('o.status IN (:...status)', { status: filter.status });
    if (filter.skuCode) query.andWhere('o.sku_code = :sku', { sku: filter.skuCode });
    if (filter.regionCode) query.andWhere('o.region_code = :region', { region: filter.regionCode });
    return keysetPage(query, 'o.created_at', (o) => o.createdAt, first, after);
  }

  /** The market's open bids by price level, best first. */
  async bookLevels(marketId: string): Promise<BookLevel[]> {
    const levels: { price: string; quantity: string; orders: string }[] = await this.dataSource.query(
      `SELECT b.limit_price AS price, sum(o.quantity - o.filled_quantity) AS quantity, count(*) AS orders
       FROM ${OPEN_ORDERS} WHERE b.market_id = $1
       GROUP BY b.limit_price ORDER BY b.limit_price DESC`,
      [marketId],
    );
    return levels.map((l) => ({ price: new Decimal(l.price), quantity: Number(l.quantity), orders: Number(l.orders) }));
  }
}
