import { DataSource } from 'typeorm';

export interface BulkBook {
  /** Prefix of the orders' clientOrderIds, unique per call. */
  prefix: string;
  marketId: string;
  partnerIds: string[];
  /** How many resting GTC orders to write. */
  count: number;
  /** The lowest limit; limits spread over 1,000 steps of 10.00 above it. */
  minLimit: number;
}

/**
 * Writes `count` resting GTC orders (1-5 units each, limits spread above `minLimit`) straight into
 * the tables, with what placing them through the API would also have written: each partner's
 * credit hold and export usage. Much faster than the API, for catch-ups of tens of thousands.
 */
export async function insertRestingOrders(dataSource: DataSource, book: BulkBook): Promise<{ units: number }> {
  return dataSource.transaction(async (em) => {
    // A book of 100,000 is written in one statement, which may run past the api's statement timeout
    // (10 s) on a busy machine: that limit is for requests, not for this set-up.
    await em.query('SET LOCAL statement_timeout = 0');
    await em.query(
      `INSERT INTO orders (partner_id, client_order_id, market_id, sku_code, region_code, quantity, limit_price, time_in_force,
                           status, status_reason, resting, tax_rate_percent, hold_amount)
       SELECT p.id, $5 || g, m.id, s.code, r.code, q.quantity, q.limit_price, 'GTC',
              'OPEN', 'no units available: the sellable share of this market is sold out', true, p.tax_rate_percent,
              order_hold(q.quantity, q.limit_price, p.tax_rate_percent)
         FROM market m JOIN sku s ON s.id = m.sku_id JOIN region r ON r.id = m.region_id
         CROSS JOIN generate_series(1, $2::int) AS g
         CROSS JOIN LATERAL (SELECT 1 + (g * 7) % 5 AS quantity, ($3::numeric + ((g * 7919) % 1000) * 10)::numeric(12, 2) AS limit_price) q
         JOIN partner p ON p.id = ($4::uuid[])[1 + g % cardinality($4::uuid[])]
        WHERE m.id = $1`,
      [book.marketId, book.count, book.minLimit, book.partnerIds, book.prefix],
    );
    await em.query(
      `UPDATE partner p SET credit_held = p.credit_held + o.held
         FROM (SELECT partner_id, sum(hold_amount) AS held FROM orders WHERE starts_with(client_order_id, $1) GROUP BY partner_id) o
        WHERE p.id = o.partner_id`,
      [book.prefix],
    );
    await em.query(
      `INSERT INTO export_usage (partner_id, sku_code, used_units)
       SELECT partner_id, sku_code, sum(quantity) FROM orders WHERE starts_with(client_order_id, $1) GROUP BY partner_id, sku_code
       ON CONFLICT (partner_id, sku_code) DO UPDATE SET used_units = export_usage.used_units + EXCLUDED.used_units`,
      [book.prefix],
    );
    const [{ units }] = await em.query(`SELECT sum(quantity)::int AS units FROM orders WHERE starts_with(client_order_id, $1)`, [
      book.prefix,
    ]);
    return { units };
  });
}
