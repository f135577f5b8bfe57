import { Injectable } from '@nestjs/common';
import { types } from 'pg';
import { EntityManager } from 'typeorm';
import { Decimal, PreparedStatement, RawRows, runPrepared, runPreparedRaw } from '@gpupool/platform';
import { RunOfFills } from './fill.repository';
import { REASON } from './matching';
import { FillEventMessage, FillSnapshot, OrderSnapshot } from './order-events';
import { OrderRow } from './order-row';
import { TimeInForceValue } from './order.entity';
import { statusAfterFill } from './order-status';

/** SQL: the hold of `quantity` units of the page's bid `t` (`order_hold`, as `place_order` holds it; `holdFor` in Node). */
const holdOf = (quantity: string) => `order_hold(${quantity}, t.limit_price, t.tax)`;

/**
 * Phase 1 of a match run in one statement per page: supply meets resting bids in price-time
 * priority (highest limit, then earliest) while limit ≥ ask, each filled at its own limit with what
 * is left. Postgres reads the page of the open book (`order_book` alone: it holds what is left of
 * each bid and its hold), cuts it where the units run out (a running sum over the page), inserts
 * the fills and writes each filled order back, so no order travels to Node and back before it is
 * written; the statement returns, best first, what it did not write itself of the filled orders
 * and their fills, for the run's events (`FilledRow`).
 *
 * - A fill's hold part is the hold of everything filled so far minus that of what was filled before
 *   (`fillHoldPart`, credit-hold.ts), each by `order_hold`, the function `place_order` holds an
 *   order's with. The hold of a whole order is its `hold_amount`, so the usual fill, a whole order
 *   at once, computes nothing.
 * - Its status follows `statusAfterFill` (order-status.ts), which the table's check
 *   `orders_filled_status` pins; a partly filled order rests with the reason of a sold-out cap.
 * - Bids after the one that took the last unit are not written: they keep resting as they were.
 * - The orders are found by their keys (`= ANY`, an index scan), never by a scan of `orders`,
 *   which holds the whole history.
 * - It is planned without nested loops: pages go out inside `withoutNestedLoops`.
 *
 * The caller holds the market's lock and ended the expired bids and those of blocked partners
 * first, so every bid of the page may trade.
 */
const PAGE = `page AS (
      SELECT b.order_id AS id, b.partner_id, b.quantity - b.filled_quantity AS remaining, b.filled_quantity AS before,
             b.hold_amount AS hold, b.limit_price, b.seq, b.tax_rate_percent AS tax
        FROM order_book b
       WHERE b.market_id = $1 AND b.resting AND b.limit_price >= $2`;
const FILL_PAGE = `ORDER BY b.limit_price DESC, b.seq LIMIT $3
    ), taken AS (
      SELECT p.*, least(p.remaining, $4 - (sum(p.remaining) OVER (ORDER BY p.limit_price DESC, p.seq) - p.remaining)) AS quantity
        FROM page p
    ), fills AS (
      INSERT INTO fill (order_id, partner_id, market_id, sku_code, region_code, quantity, price, amount, hold_amount, executed_at)
      SELECT t.id, t.partner_id, $1, $5, $6, t.quantity, t.limit_price, t.quantity * t.limit_price,
             CASE WHEN t.quantity = t.remaining THEN t.hold ELSE ${holdOf('t.before + t.quantity')} END
               - CASE WHEN t.before = 0 THEN 0 ELSE ${holdOf('t.before')} END,
             $7
        FROM taken t WHERE t.quantity > 0
      RETURNING id, order_id, quantity, price, amount, hold_amount
    ), filled AS (
      UPDATE orders o
         SET filled_quantity = o.filled_quantity + f.quantity, filled_amount = o.filled_amount + f.amount,
             status = CASE WHEN o.filled_quantity + f.quantity = o.quantity THEN 'FILLED' ELSE 'PARTIALLY_FILLED' END,
             status_reason = CASE WHEN o.filled_quantity + f.quantity = o.quantity THEN NULL ELSE $8 END,
             resting = true, updated_at = $7
        FROM fills f
       WHERE o.id = f.order_id AND o.id = ANY (ARRAY(SELECT order_id FROM fills))
      RETURNING o.id, o.seq, o.partner_id, o.client_order_id, o.quantity, o.filled_quantity, o.limit_price, o.filled_amount,
                o.time_in_force, o.expires_at, o.tax_rate_percent, o.hold_amount, o.hold_released, o.created_at,
                f.id AS fill_id, f.quantity AS fill_quantity, f.amount AS fill_amount, f.hold_amount AS fill_hold_amount
    )
    SELECT * FROM filled ORDER BY limit_price DESC, seq`;
const FILL_FIRST: PreparedStatement = { name: 'resting-fill', text: `WITH ${PAGE} ${FILL_PAGE}` };
/** A later page: `limit_price <= after` bounds the index scan, so it starts where the last page ended. */
const FILL_AFTER: PreparedStatement = {
  name: 'resting-fill-after',
  text: `WITH ${PAGE} AND b.limit_price <= $9 AND (b.limit_price < $9 OR b.seq > $10) ${FILL_PAGE}`,
};

/**
 * The page statements are planned with `enable_nestloop` off, for phase 1 alone. The planner reads
 * how many bids a page holds off the book's statistics, which lag a book that grew since its last
 * ANALYZE: it then took a page of 10,000 bids for one, and looked each fill's order up by an index
 * scan that also tested the page's whole array of keys, 10,000 × 10,000 (a page ran past the api's
 * 10 s statement timeout). Without nested loops the orders are found by one scan of their keys and
 * joined to their fills by hash, however wrong the estimate. `SET LOCAL` lasts to the transaction's
 * end, so phase 1 sets it back after its last page. The setting is taken once for all the pages, not
 * around each: a page's next goes out the moment its answer is in, before Node describes it
 * (RestingRecord), and a setting of its own in between would wait for that description, Postgres
 * idle (40-60 ms a page of 10,000). The run's other statements go out on its connection before the
 * first setting (its read of new bids, queued first) or after the second (phase 2 waits for phase
 * 1), never between the two.
 */
const PLANNED_WITHOUT_NESTED_LOOPS: PreparedStatement = { name: 'resting-fill-no-nested-loops', text: 'SET LOCAL enable_nestloop = off' };
const PLANNED_AS_CONFIGURED: PreparedStatement = { name: 'resting-fill-nested-loops-back', text: 'SET LOCAL enable_nestloop TO DEFAULT' };

/**
 * What the statement returns of a filled order and its fill: not what the run wrote itself and
 * knows already (the order's market, status, reason, `resting` and time; the fill's price, its
 * order's limit), which `events` puts back.
 */
type FilledRow = Pick<
  OrderRow,
  | 'id'
  | 'seq'
  | 'partner_id'
  | 'client_order_id'
  | 'quantity'
  | 'filled_quantity'
  | 'limit_price'
  | 'filled_amount'
  | 'time_in_force'
  | 'expires_at'
  | 'tax_rate_percent'
  | 'hold_amount'
  | 'hold_released'
  | 'created_at'
> & { fill_id: string; fill_quantity: number; fill_amount: string; fill_hold_amount: string };

/** Where each column of a `FilledRow` stands in the rows as Postgres sent them. */
const columnsOf = (raw: RawRows) =>
  Object.fromEntries(raw.fields.map((field, index) => [field.name, index])) as Record<keyof FilledRow, number>;

const timestamptz = types.getTypeParser(types.builtins.TIMESTAMPTZ) as (text: string) => Date;
/** A timestamptz as Postgres sent it, as an event carries it (ISO 8601, UTC). */
const isoOf = (text: string | null): string | null => (text === null ? null : timestamptz(text).toISOString());

/**
 * A page of resting bids filled, as Postgres sent it: the run needs only the units it sold and
 * where it ended before its commit; the orders and fills are for its events (`RestingFills.events`),
 * built while Postgres writes the next page, or after the commit.
 */
export interface FilledPage {
  raw: RawRows;
  units: number;
  /** The last bid of the page in price-time priority (null: the page is empty). */
  last: { limitPrice: string; seq: string } | null;
}

/** Phase 1 of a match run: resting bids filled a page at a time, in SQL. */
@Injectable()
export class RestingFills {
  /**
   * Runs `pages`, the page statements of a phase 1 (`fillPage`), planned without nested loops, and
   * sets the planner back after them. A page that fails leaves the setting to the transaction's
   * rollback.
   */
  async withoutNestedLoops<T>(em: EntityManager, pages: () => Promise<T>): Promise<T> {
    await runPrepared(em, PLANNED_WITHOUT_NESTED_LOOPS, []);
    const result = await pages();
    await runPrepared(em, PLANNED_AS_CONFIGURED, []);
    return result;
  }

  /**
   * Fills up to `limit` resting bids at or above `ask` after `after` (best first) with `available`
   * units at most. Fewer than `limit` filled means the book ran dry or the units ran out.
   */
  async fillPage(
    em: EntityManager,
    run: RunOfFills,
    ask: Decimal,
    available: number,
    limit: number,
    after: FilledPage['last'],
  ): Promise<FilledPage> {
    const values = [run.marketId, ask.toFixed(2), limit, available, run.skuCode, run.regionCode, run.executedAt, REASON.capReached];
    const raw = after
      ? await runPreparedRaw(em, FILL_AFTER, [...values, after.limitPrice, after.seq])
      : await runPreparedRaw(em, FILL_FIRST, values);
    const column = columnsOf(raw);
    const last = raw.rows.at(-1);
    return {
      raw,
      units: raw.rows.reduce((sum, row) => sum + Number(row[column.fill_quantity]), 0),
      last: last ? { limitPrice: last[column.limit_price]!, seq: last[column.seq]! } : null,
    };
  }

  /**
   * The events of a page: each order as the statement left it, with its fill. They are built from
   * Postgres's text as it came, column by column, without entities in between: a run's events
   * carry its orders and fills as text anyway, and a page of 10,000 is a run's largest piece of
   * work in Node.
   */
  events(page: FilledPage, run: RunOfFills): FillEventMessage[] {
    const column = columnsOf(page.raw);
    // The statement wrote the run's time as the orders' `updated_at` and the fills' `executed_at`.
    const at = run.executedAt.toISOString();
    return page.raw.rows.map((row): FillEventMessage => {
      const [quantity, filledQuantity] = [Number(row[column.quantity]), Number(row[column.filled_quantity])];
      const status = statusAfterFill(filledQuantity, quantity);
      const order: OrderSnapshot = {
        id: row[column.id]!,
        seq: row[column.seq]!,
        partnerId: row[column.partner_id]!,
        clientOrderId: row[column.client_order_id]!,
        marketId: run.marketId,
        skuCode: run.skuCode,
        regionCode: run.regionCode,
        quantity,
        filledQuantity,
        limitPrice: row[column.limit_price]!,
        filledAmount: row[column.filled_amount]!,
        timeInForce: row[column.time_in_force] as TimeInForceValue,
        expiresAt: isoOf(row[column.expires_at]),
        status,
        statusReason: status === 'FILLED' ? null : REASON.capReached,
        resting: true,
        taxRatePercent: row[column.tax_rate_percent]!,
        holdAmount: row[column.hold_amount]!,
        holdReleased: row[column.hold_released]!,
        createdAt: isoOf(row[column.created_at])!,
        updatedAt: at,
      };
      const fill: FillSnapshot = {
        id: row[column.fill_id]!,
        quantity: Number(row[column.fill_quantity]),
        price: order.limitPrice,
        amount: row[column.fill_amount]!,
        holdAmount: row[column.fill_hold_amount]!,
        executedAt: at,
      };
      return { type: status, order, fill };
    });
  }
}
