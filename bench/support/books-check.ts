import { settlementViolations } from '../../test/support/settlement-invariants';
import { sql } from './top-statements';

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
 * Every broken promise of trading, settlement and the ledger at rest, by name, with up to five rows;
 * {} when the books are right. Each check runs on a connection of its own, without the api's
 * statement timeout: after a day of 10^6 orders a check reads millions of rows.
 */
export async function booksViolations(url: string): Promise<Record<string, unknown[]>> {
  const db = { query: (text: string) => sql(url, text) };
  const found = await settlementViolations(db);
  for (const [promise, text] of Object.entries(TRADING_CHECKS)) {
    const rows = await db.query(text);
    if (rows.length > 0) found[promise] = rows.slice(0, 5);
  }
  return found;
}
