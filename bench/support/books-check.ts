import { DataSource, QueryRunner } from 'typeorm';
import { settlementViolations } from '../../test/support/settlement-invariants';

/** The trading promises a benchmark day must keep at rest (the soak test checks more of them in test/support). */
const TRADING_CHECKS: Record<string, string> = {
  'an order filled past its quantity, or whose fills do not add up to its filled quantity and amount': `
    SELECT o.id FROM orders o
      LEFT JOIN LATERAL (SELECT COALESCE(sum(quantity), 0) AS units, COALESCE(sum(amount), 0) AS amount FROM fill WHERE order_id = o.id) f ON true
     WHERE o.filled_quantity > o.quantity OR f.units <> o.filled_quantity OR f.amount <> o.filled_amount`,
  'a market whose units sold are not the sum of its fills, or exceed what it received': `
    SELECT m.id FROM market m
      LEFT JOIN LATERAL (SELECT COALESCE(sum(quantity), 0) AS units FROM fill WHERE market_id = m.id) f ON true
      LEFT JOIN LATERAL (SELECT COALESCE(sum(quantity), 0) AS units FROM inventory_lot WHERE market_id = m.id) l ON true
     WHERE f.units <> m.committed_units OR m.committed_units > l.units`,
  'an order whose status does not match its filled quantity': `
    SELECT id FROM orders WHERE (status = 'FILLED') <> (filled_quantity = quantity)`,
  'a running ledger balance that differs from the sum of its postings': `
    SELECT b.account_id, b.currency FROM ledger_balance b
      FULL JOIN (SELECT account_id, currency, COALESCE(sum(amount) FILTER (WHERE amount > 0), 0) AS debit,
                        COALESCE(-sum(amount) FILTER (WHERE amount < 0), 0) AS credit
                   FROM posting GROUP BY account_id, currency) p ON p.account_id = b.account_id AND p.currency = b.currency
     WHERE b.debit IS DISTINCT FROM p.debit OR b.credit IS DISTINCT FROM p.credit`,
};

/**
 * Runs `work` on a connection of its own without the api's statement timeout: after a day of 10^6
 * orders, a check or a percentile reads millions of rows.
 */
export async function untimed<T>(dataSource: DataSource, work: (runner: QueryRunner) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SET statement_timeout = 0');
    return await work(runner);
  } finally {
    await runner.query('RESET statement_timeout');
    await runner.release();
  }
}

/** Every broken promise of trading, settlement and the ledger at rest, by name, with up to five rows; {} when the books are right. */
export async function booksViolations(dataSource: DataSource): Promise<Record<string, unknown[]>> {
  return untimed(dataSource, async (runner) => {
    const found = await settlementViolations(runner);
    for (const [promise, sql] of Object.entries(TRADING_CHECKS)) {
      const rows: unknown[] = await runner.query(sql);
      if (rows.length > 0) found[promise] = rows.slice(0, 5);
    }
    return found;
  });
}
