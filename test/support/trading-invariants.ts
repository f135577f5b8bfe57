import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { TestStack } from './stack';

/** Open orders missing from the open book (`order_book`), closed ones in it, or a copied column that differs. */
export const OPEN_BOOK_DRIFT = `
    SELECT coalesce(o.id, b.order_id) AS id, o.status
      FROM (SELECT * FROM orders WHERE status IN ('OPEN', 'PARTIALLY_FILLED')) o
      FULL JOIN order_book b ON b.order_id = o.id
     WHERE o.id IS NULL OR b.order_id IS NULL
        OR (b.market_id, b.partner_id, b.resting, b.limit_price, b.seq, b.expires_at,
            b.quantity, b.filled_quantity, b.hold_amount, b.tax_rate_percent)
           IS DISTINCT FROM (o.market_id, o.partner_id, o.resting, o.limit_price, o.seq, o.expires_at,
                             o.quantity, o.filled_quantity, o.hold_amount, o.tax_rate_percent)`;

/**
 * The promises of orders and matching, recomputed from the tables: each query returns the rows
 * that break one, so an empty result everywhere means every promise holds.
 */
const CHECKS: Record<string, string> = {
  'the open book is not the open orders': OPEN_BOOK_DRIFT,
  'an order filled past its quantity, or whose fills do not add up to its filled quantity and amount': `
    SELECT o.id, o.quantity, o.filled_quantity, o.filled_amount, f.units, f.amount
      FROM orders o
      LEFT JOIN LATERAL (SELECT COALESCE(sum(quantity), 0) AS units, COALESCE(sum(amount), 0) AS amount FROM fill WHERE order_id = o.id) f ON true
     WHERE o.filled_quantity > o.quantity OR f.units <> o.filled_quantity OR f.amount <> o.filled_amount`,
  'a market whose units sold differ from the sum of its fills': `
    SELECT m.id, m.committed_units, f.units
      FROM market m
      LEFT JOIN LATERAL (SELECT COALESCE(sum(quantity), 0) AS units FROM fill WHERE market_id = m.id) f ON true
     WHERE f.units <> m.committed_units`,
  'an order whose hold is not quantity × limit × (1 + tax) rounded up to the fen': `
    SELECT id, hold_amount FROM orders
     WHERE hold_amount <> ceil(quantity * limit_price * (1 + tax_rate_percent / 100) * 100) / 100`,
  'an order whose fills and released rest take more than its hold, or an ended order that kept some': `
    SELECT o.id, o.status, o.hold_amount, o.hold_released, f.taken
      FROM orders o
      LEFT JOIN LATERAL (SELECT COALESCE(sum(hold_amount), 0) AS taken FROM fill WHERE order_id = o.id) f ON true
     WHERE f.taken + o.hold_released > o.hold_amount
        OR (o.status NOT IN ('OPEN', 'PARTIALLY_FILLED') AND f.taken + o.hold_released <> o.hold_amount)
        OR (o.status IN ('OPEN', 'PARTIALLY_FILLED') AND o.hold_released <> 0)`,
  "a partner whose credit held is not its orders' holds minus the released parts and the settled fills' parts": `
    SELECT p.id, p.credit_held, coalesce(o.held, 0) - coalesce(s.settled, 0) AS expected
      FROM partner p
      LEFT JOIN (SELECT partner_id, sum(hold_amount - hold_released) AS held FROM orders GROUP BY partner_id) o ON o.partner_id = p.id
      LEFT JOIN (SELECT f.partner_id, sum(f.hold_amount) AS settled FROM fill f WHERE __SETTLED__ GROUP BY f.partner_id) s ON s.partner_id = p.id
     WHERE p.credit_held <> coalesce(o.held, 0) - coalesce(s.settled, 0)`,
  "a partner's export usage that is not the units of its open orders and its fills": `
    SELECT u.partner_id, u.sku_code, u.used_units, coalesce(o.units, 0) AS expected
      FROM export_usage u
      LEFT JOIN (SELECT partner_id, sku_code,
                        sum(filled_quantity + CASE WHEN status IN ('OPEN', 'PARTIALLY_FILLED') THEN quantity - filled_quantity ELSE 0 END) AS units
                   FROM orders GROUP BY partner_id, sku_code) o ON o.partner_id = u.partner_id AND o.sku_code = u.sku_code
     WHERE u.used_units <> coalesce(o.units, 0)`,
  'a FILLED order with a remainder, or an order with a remainder called FILLED': `
    SELECT id, status, quantity, filled_quantity FROM orders WHERE (status = 'FILLED') <> (filled_quantity = quantity)`,
};

/** Whether a fill has been settled, where a settlement table exists (a settled fill's hold became a receivable). */
async function settledPredicate(dataSource: DataSource): Promise<string> {
  const [row] = await dataSource.query(
    `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'settlement' AND column_name = 'fill_id'`,
  );
  return row.n > 0 ? 'EXISTS (SELECT 1 FROM settlement s WHERE s.fill_id = f.id)' : 'false';
}

/** Every broken promise, by name, with the rows that break it; {} when all hold. */
export async function tradingViolations(dataSource: DataSource): Promise<Record<string, unknown[]>> {
  const settled = await settledPredicate(dataSource);
  const found: Record<string, unknown[]> = {};
  for (const [promise, sql] of Object.entries(CHECKS)) {
    const rows: unknown[] = await dataSource.query(sql.replace('__SETTLED__', settled));
    if (rows.length > 0) found[promise] = rows.slice(0, 5);
  }
  return found;
}

/** The matching queue of a stack, to see when it has drained. */
export function matchingQueue(stack: TestStack): Queue {
  return new Queue('matching', { connection: { url: stack.env.REDIS_URL }, prefix: stack.env.QUEUE_PREFIX });
}

/**
 * Waits until matching is quiet: no match job waiting or running, and every open order has been
 * through a run (resting), twice in a row.
 */
export async function matchingQuiet(stack: TestStack, queue: Queue, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietTimes = 0;
  for (;;) {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    const [{ unseen }] = await stack.dataSource.query(
      `SELECT count(*)::int AS unseen FROM orders WHERE status IN ('OPEN', 'PARTIALLY_FILLED') AND NOT resting`,
    );
    const busy = Object.values(counts).some((n) => n > 0) || unseen > 0;
    quietTimes = busy ? 0 : quietTimes + 1;
    if (quietTimes >= 2) return;
    if (Date.now() > deadline) throw new Error(`matching still busy: ${JSON.stringify(counts)}, ${unseen} orders not yet through a run`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
