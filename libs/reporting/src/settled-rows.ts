import { Readable } from 'node:stream';
import { Client, escapeLiteral } from 'pg';
import Cursor from 'pg-cursor';
import { to as copyTo } from 'pg-copy-streams';
import { Decimal } from '@gpupool/platform';
import { REPORT_COLUMNS, ReportRow } from './report-columns';
import { ReportTotals } from './report-totals';

/** What a report covers: settlements with from <= settled_at < to, of one partner or all. */
export interface ReportScope {
  from: Date;
  to: Date;
  partnerId: string | null;
}

const utc = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The value of each report column, in REPORT_COLUMNS order, as text rendered by Postgres. */
const VALUES = [
  's.id::text',
  's.fill_id::text',
  'f.order_id::text',
  'o.client_order_id',
  'p.name',
  'k.code',
  'r.code',
  utc('f.executed_at'),
  utc('s.settled_at'),
  's.quantity::text',
  's.unit_price::text',
  's.net_amount::text',
  's.tax_rate_percent::text',
  's.tax_amount::text',
  's.gross_amount::text',
  's.cost_amount::text',
  '(s.net_amount - s.cost_amount)::text',
  's.currency::text',
  's.journal_entry_id::text',
];

/**
 * OWASP's advice against CSV injection, in SQL: a typed value that starts with `=`, `+`, `-`, `@`,
 * tab or CR (which a spreadsheet would run as a formula), or with a single quote, gets a single
 * quote in front (and its cell is quoted). Dropping one leading single quote gives the value back.
 */
const formulaSafe = (value: string) =>
  `CASE WHEN left(${value}, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r', '''') THEN '''' || ${value} ELSE ${value} END`;

function scopeFilter(scope: ReportScope): { where: string; values: unknown[] } {
  const values: unknown[] = [scope.from, scope.to];
  let where = 's.settled_at >= $1 AND s.settled_at < $2';
  if (scope.partnerId) {
    values.push(scope.partnerId);
    where += ' AND s.partner_id = $3';
  }
  return { where, values };
}

/** A statement with its parameters written in as literals, for COPY (which takes none). */
function withLiterals({ text, values }: { text: string; values: unknown[] }): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const value = values[Number(n) - 1];
    return escapeLiteral(value instanceof Date ? value.toISOString() : String(value));
  });
}

/**
 * The rows of a report in REPORT_COLUMNS order (named by their headers), one per settlement,
 * ordered by settlement time then id. Every value is text rendered by Postgres: exact amounts
 * with their two decimals, times in UTC ISO-8601 with milliseconds, margin = net − cost computed
 * in numeric. `formulaSafe` guards the typed columns, for CSV.
 */
export function settledRowsQuery(scope: ReportScope, options: { formulaSafe?: boolean } = {}): { text: string; values: unknown[] } {
  const { where, values } = scopeFilter(scope);
  const select = REPORT_COLUMNS.map((column, i) => {
    const value = options.formulaSafe && 'freeText' in column ? formulaSafe(VALUES[i]!) : VALUES[i]!;
    return `${value} AS "${column.header}"`;
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

/**
 * `COPY (report query) TO STDOUT` as CSV with a header record. `formulaSafe`: the typed columns
 * guarded against formulas and always quoted (OWASP); without it, Postgres's plain CSV of the query.
 */
export function settledRowsCopy(scope: ReportScope, options: { formulaSafe?: boolean } = {}): string {
  const query = withLiterals(settledRowsQuery(scope, options));
  const forceQuote = REPORT_COLUMNS.filter((column) => 'freeText' in column).map((column) => `"${column.header}"`);
  const quoted = options.formulaSafe ? `, FORCE_QUOTE (${forceQuote.join(', ')})` : '';
  return `COPY (${query}) TO STDOUT WITH (FORMAT csv, HEADER${quoted})`;
}

/**
 * Reads a report's rows on a connection of its own inside one read-only REPEATABLE READ
 * transaction: the row count, the exact totals (summed in numeric by Postgres) and the rows all
 * see the same snapshot. Rows come either through a server-side cursor, a batch at a time, or as
 * Postgres's own CSV through COPY; memory holds one batch or chunk, never the period.
 */
export class SettledRowReader {
  private constructor(
    private readonly client: Client,
    /** How many rows the report has. */
    readonly count: number,
    /** Their totals, exact. */
    readonly totals: ReportTotals,
    private readonly scope: ReportScope,
  ) {}

  static async open(connectionString: string, scope: ReportScope): Promise<SettledRowReader> {
    const client = new Client({ connectionString, application_name: 'gpupool-reports' });
    await client.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const { where, values } = scopeFilter(scope);
      const { rows } = await client.query<Record<'n' | 'quantity' | 'net' | 'tax' | 'gross' | 'cost', string>>(
        `SELECT count(*) AS n, COALESCE(sum(s.quantity), 0) AS quantity, COALESCE(sum(s.net_amount), 0) AS net,
                COALESCE(sum(s.tax_amount), 0) AS tax, COALESCE(sum(s.gross_amount), 0) AS gross, COALESCE(sum(s.cost_amount), 0) AS cost
           FROM settlement s WHERE ${where}`,
        values,
      );
      const row = rows[0]!;
      const quantity = Number(row.quantity);
      if (!Number.isSafeInteger(quantity)) throw new RangeError(`total quantity ${row.quantity} exceeds the safe integer range`);
      const net = new Decimal(row.net);
      const cost = new Decimal(row.cost);
      const totals: ReportTotals = {
        quantity,
        netAmount: net,
        taxAmount: new Decimal(row.tax),
        grossAmount: new Decimal(row.gross),
        costAmount: cost,
        marginAmount: net.minus(cost),
      };
      return new SettledRowReader(client, Number(row.n), totals, scope);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  async *batches(size: number): AsyncGenerator<ReportRow[]> {
    const { text, values } = settledRowsQuery(this.scope);
    const cursor = this.client.query(new Cursor<ReportRow>(text, values, { rowMode: 'array' }));
    try {
      for (;;) {
        const rows = await cursor.read(size);
        if (rows.length === 0) return;
        yield rows;
      }
    } finally {
      await cursor.close();
    }
  }

  /** The report as CSV, written by Postgres (header, LF record ends), typed columns formula-safe. */
  csv(): Readable {
    return this.client.query(copyTo(settledRowsCopy(this.scope, { formulaSafe: true })));
  }

  /** Ends the read-only transaction and the connection; nothing was written, so nothing can be lost. */
  async close(): Promise<void> {
    await this.client.query('COMMIT').catch(() => undefined);
    await this.client.end().catch(() => undefined);
  }
}
