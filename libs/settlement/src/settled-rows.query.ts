/**
 * The settled rows of a period, as one SQL query that settlement owns: one row per settlement
 * with its fill, order, partner, SKU and region. It is a query string, not a repository method,
 * because the report reads it through a cursor and through `COPY (query) TO STDOUT`, one statement
 * on the report's own connection and snapshot. It joins trading's `fill` and `orders`, identity's
 * `partner` and inventory's `market`, `sku` and `region` (libs/settlement/README.md).
 */

/** What is read: settlements with from <= settled_at < to, of one partner or all. */
export interface SettledRowsScope {
  from: Date;
  to: Date;
  partnerId: string | null;
}

const utc = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Each column's name and value, as text rendered by Postgres, in row order. */
const COLUMNS = [
  ['settlement_id', 's.id::text'],
  ['fill_id', 's.fill_id::text'],
  ['order_id', 'f.order_id::text'],
  ['client_order_id', 'o.client_order_id'],
  ['partner', 'p.name'],
  ['sku', 'k.code'],
  ['region', 'r.code'],
  ['executed_at', utc('f.executed_at')],
  ['settled_at', utc('s.settled_at')],
  ['quantity', 's.quantity::text'],
  ['unit_price', 's.unit_price::text'],
  ['net_amount', 's.net_amount::text'],
  ['tax_rate_percent', 's.tax_rate_percent::text'],
  ['tax_amount', 's.tax_amount::text'],
  ['gross_amount', 's.gross_amount::text'],
  ['cost_amount', 's.cost_amount::text'],
  ['margin_amount', '(s.net_amount - s.cost_amount)::text'],
  ['currency', 's.currency::text'],
  ['journal_entry_id', 's.journal_entry_id::text'],
] as const;

export type SettledRowHeader = (typeof COLUMNS)[number][0];

/** Text someone typed (a partner's clientOrderId, a name, a code), which may start like a spreadsheet formula. */
const FREE_TEXT: ReadonlySet<SettledRowHeader> = new Set(['client_order_id', 'partner', 'sku', 'region']);

/** The columns of a settled row, in order; `freeText` marks typed text. */
export const SETTLED_ROW_COLUMNS: readonly { header: SettledRowHeader; freeText?: true }[] = COLUMNS.map(([header]) =>
  FREE_TEXT.has(header) ? { header, freeText: true } : { header },
);

/**
 * OWASP's advice against CSV injection, in SQL: a typed value that starts with `=`, `+`, `-`, `@`,
 * tab or CR (which a spreadsheet would run as a formula), or with a single quote, gets a single
 * quote in front. Dropping one leading single quote gives the value back.
 */
const formulaSafe = (value: string) =>
  `CASE WHEN left(${value}, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r', '''') THEN '''' || ${value} ELSE ${value} END`;

function scopeFilter(scope: SettledRowsScope): { where: string; values: unknown[] } {
  const values: unknown[] = [scope.from, scope.to];
  let where = 's.settled_at >= $1 AND s.settled_at < $2';
  if (scope.partnerId) {
    values.push(scope.partnerId);
    where += ' AND s.partner_id = $3';
  }
  return { where, values };
}

/**
 * The rows in SETTLED_ROW_COLUMNS order (named by their headers), ordered by settlement time then
 * id. Every value is text rendered by Postgres: exact amounts with their two decimals, times in UTC
 * ISO-8601 with milliseconds, margin = net − cost computed in numeric. `formulaSafe` guards the
 * typed columns, for CSV.
 */
export function settledRowsQuery(scope: SettledRowsScope, options: { formulaSafe?: boolean } = {}): { text: string; values: unknown[] } {
  const { where, values } = scopeFilter(scope);
  const select = COLUMNS.map(([header, value]) => {
    const text = options.formulaSafe && FREE_TEXT.has(header) ? formulaSafe(value) : value;
    return `${text} AS "${header}"`;
  }).join(',\n       ');
  const text = `SELECT ${select}
  FROM settlement s
  JOIN fill f ON f.id = s.fill_id
  JOIN orders o ON o.id = f.order_id
  JOIN partner p ON p.id = s.partner_id
  JOIN market m ON m.id = s.market_id
  JOIN sku k ON k.id = m.sku_id
  JOIN region r ON r.id = m.region_id
 WHERE ${where}
 ORDER BY s.settled_at, s.id`;
  return { text, values };
}

/** The count and exact totals (summed in numeric) of the same rows: n, quantity, net, tax, gross, cost. */
export function settledTotalsQuery(scope: SettledRowsScope): { text: string; values: unknown[] } {
  const { where, values } = scopeFilter(scope);
  const text = `SELECT count(*) AS n, COALESCE(sum(s.quantity), 0) AS quantity, COALESCE(sum(s.net_amount), 0) AS net,
                COALESCE(sum(s.tax_amount), 0) AS tax, COALESCE(sum(s.gross_amount), 0) AS gross, COALESCE(sum(s.cost_amount), 0) AS cost
           FROM settlement s WHERE ${where}`;
  return { text, values };
}
