import { DataSource } from 'typeorm';

/**
 * The promises of settlement and the ledger, recomputed from the tables: each query returns the
 * rows that break one, so an empty result everywhere means every promise holds.
 */
const CHECKS: Record<string, string> = {
  'a journal entry with fewer than two postings, or whose postings do not sum to zero per currency': `
    SELECT j.id, p.currency, p.lines, p.total
      FROM journal_entry j
      LEFT JOIN LATERAL (SELECT currency, count(*) AS lines, sum(amount) AS total FROM posting WHERE journal_entry_id = j.id GROUP BY currency) p ON true
     WHERE p.lines IS NULL OR p.lines < 2 OR p.total <> 0`,
  'a currency whose trial balance does not sum to zero': `
    SELECT currency, sum(amount) AS total FROM posting GROUP BY currency HAVING sum(amount) <> 0`,
  'a fill settled more than once (or, at rest, not at all), or whose settlement is not its amount with the tax of its order': `
    SELECT f.id, count(s.id) AS settlements
      FROM fill f JOIN orders o ON o.id = f.order_id LEFT JOIN settlement s ON s.fill_id = f.id
     GROUP BY f.id, f.amount, o.tax_rate_percent
    HAVING count(s.id) > 1 OR (__AT_REST__ AND count(s.id) = 0)
        OR bool_or(s.net_amount <> f.amount OR s.tax_amount <> round(f.amount * o.tax_rate_percent / 100, 2)
                   OR s.tax_rate_percent <> o.tax_rate_percent OR s.partner_id <> f.partner_id OR s.quantity <> f.quantity)`,
  'a settlement whose journal entry is not its fill’s, or does not book its amounts': `
    SELECT s.id, s.fill_id
      FROM settlement s
      JOIN journal_entry j ON j.id = s.journal_entry_id
      LEFT JOIN LATERAL (
        SELECT COALESCE(sum(p.amount) FILTER (WHERE a.code = 'RECEIVABLE:' || s.partner_id), 0) AS receivable,
               COALESCE(sum(p.amount) FILTER (WHERE a.code = 'SALES_REVENUE'), 0) AS sales,
               COALESCE(sum(p.amount) FILTER (WHERE a.code = 'VAT_PAYABLE'), 0) AS vat,
               COALESCE(sum(p.amount) FILTER (WHERE a.code = 'COGS'), 0) AS cogs,
               COALESCE(sum(p.amount) FILTER (WHERE a.code = 'INVENTORY'), 0) AS inventory
          FROM posting p JOIN ledger_account a ON a.id = p.account_id WHERE p.journal_entry_id = j.id) b ON true
     WHERE j.source_type <> 'fill' OR j.source_id <> s.fill_id::text OR j.currency <> s.currency
        OR b.receivable <> s.gross_amount OR b.sales <> -s.net_amount OR b.vat <> -s.tax_amount
        OR b.cogs <> s.cost_amount OR b.inventory <> -s.cost_amount`,
  'a fill’s journal entry without a settlement': `
    SELECT j.id, j.source_id FROM journal_entry j LEFT JOIN settlement s ON s.journal_entry_id = j.id
     WHERE j.source_type = 'fill' AND s.id IS NULL`,
  "a partner whose receivable differs from its receivable account's balance, or from settled gross minus payments": `
    SELECT p.id, p.receivable, COALESCE(b.balance, 0) AS account, COALESCE(s.gross, 0) - COALESCE(pay.paid, 0) AS expected
      FROM partner p
      LEFT JOIN (SELECT a.partner_id, sum(x.amount) AS balance FROM posting x JOIN ledger_account a ON a.id = x.account_id
                  WHERE a.partner_id IS NOT NULL GROUP BY a.partner_id) b ON b.partner_id = p.id
      LEFT JOIN (SELECT partner_id, sum(gross_amount) AS gross FROM settlement GROUP BY partner_id) s ON s.partner_id = p.id
      LEFT JOIN (SELECT partner_id, sum(amount) AS paid FROM payment GROUP BY partner_id) pay ON pay.partner_id = p.id
     WHERE p.receivable <> COALESCE(b.balance, 0) OR p.receivable <> COALESCE(s.gross, 0) - COALESCE(pay.paid, 0)`,
  'INVENTORY + COGS that is not the cost of every lot received, or inventory that is not the cost of what remains': `
    SELECT l.received, l.remaining, b.inventory, b.cogs, s.cost
      FROM (SELECT COALESCE(sum(quantity * unit_cost), 0) AS received, COALESCE(sum(remaining_quantity * unit_cost), 0) AS remaining FROM inventory_lot) l,
           (SELECT COALESCE(sum(x.amount) FILTER (WHERE a.code = 'INVENTORY'), 0) AS inventory,
                   COALESCE(sum(x.amount) FILTER (WHERE a.code = 'COGS'), 0) AS cogs
              FROM posting x JOIN ledger_account a ON a.id = x.account_id) b,
           (SELECT COALESCE(sum(cost_amount), 0) AS cost FROM settlement) s
     WHERE b.inventory + b.cogs <> l.received OR b.inventory <> l.remaining OR b.cogs <> s.cost`,
  "a partner whose credit held is not its open orders' unfilled holds plus its unsettled fills' hold parts": `
    SELECT p.id, p.credit_held, COALESCE(o.unfilled, 0) + COALESCE(u.unsettled, 0) AS expected
      FROM partner p
      LEFT JOIN (SELECT o.partner_id, sum(o.hold_amount - o.hold_released - COALESCE(f.taken, 0)) AS unfilled
                   FROM orders o LEFT JOIN (SELECT order_id, sum(hold_amount) AS taken FROM fill GROUP BY order_id) f ON f.order_id = o.id
                  GROUP BY o.partner_id) o ON o.partner_id = p.id
      LEFT JOIN (SELECT f.partner_id, sum(f.hold_amount) AS unsettled FROM fill f LEFT JOIN settlement s ON s.fill_id = f.id
                  WHERE s.id IS NULL GROUP BY f.partner_id) u ON u.partner_id = p.id
     WHERE p.credit_held <> COALESCE(o.unfilled, 0) + COALESCE(u.unsettled, 0)`,
};

/**
 * Every broken promise, by name, with (up to five of) the rows that break it; {} when all hold.
 * At rest every fill must be settled; while work is in flight, fills may still wait.
 */
export async function settlementViolations(
  dataSource: { query(text: string): Promise<unknown[]> },
  atRest = true,
): Promise<Record<string, unknown[]>> {
  const found: Record<string, unknown[]> = {};
  for (const [promise, sql] of Object.entries(CHECKS)) {
    const rows: unknown[] = await dataSource.query(sql.replace('__AT_REST__', String(atRest)));
    if (rows.length > 0) found[promise] = rows.slice(0, 5);
  }
  return found;
}

/** Fills and settlements, to wait until every fill is settled. */
export async function settlementProgress(dataSource: DataSource): Promise<{ fills: number; settlements: number }> {
  const [row] = await dataSource.query(
    'SELECT (SELECT count(*)::int FROM fill) AS fills, (SELECT count(*)::int FROM settlement) AS settlements',
  );
  return row;
}
