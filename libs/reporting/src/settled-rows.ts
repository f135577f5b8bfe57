import { Client } from 'pg';
import Cursor from 'pg-cursor';
import { ReportRow } from './report-columns';

/** What a report covers: settlements with from <= settled_at < to, of one partner or all. */
export interface ReportScope {
  from: Date;
  to: Date;
  partnerId: string | null;
}

const utc = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

function scopeFilter(scope: ReportScope): { where: string; values: unknown[] } {
  const values: unknown[] = [scope.from, scope.to];
  let where = 's.settled_at >= $1 AND s.settled_at < $2';
  if (scope.partnerId) {
    values.push(scope.partnerId);
    where += ' AND s.partner_id = $3';
  }
  return { where, values };
}

/**
 * The rows of a report in REPORT_COLUMNS order, one per settlement, ordered by settlement time
 * then id. Every value is text rendered by Postgres: exact amounts with their two decimals,
 * times in UTC ISO-8601 with milliseconds, margin = net − cost computed in numeric.
 */
export function settledRowsQuery(scope: ReportScope): { text: string; values: unknown[] } {
  const { where, values } = scopeFilter(scope);
  const text = `SELECT s.id::text, s.fill_id::text, f.order_id::text, o.client_order_id, p.name, k.code, r.code,
       ${utc('f.executed_at')}, ${utc('s.settled_at')},
       s.quantity::text, s.unit_price::text, s.net_amount::text, s.tax_rate_percent::text, s.tax_amount::text,
       s.gross_amount::text, s.cost_amount::text, (s.net_amount - s.cost_amount)::text, s.currency::text,
       s.journal_entry_id::text
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
 * Reads a report's rows with a server-side cursor, a batch at a time, on a connection of its
 * own inside one read-only REPEATABLE READ transaction: the count and the rows see the same
 * snapshot, and memory holds one batch, never the period.
 */
export class SettledRowReader {
  private constructor(
    private readonly client: Client,
    /** How many rows the cursor will give. */
    readonly count: number,
    private readonly scope: ReportScope,
  ) {}

  static async open(connectionString: string, scope: ReportScope): Promise<SettledRowReader> {
    const client = new Client({ connectionString, application_name: 'gpupool-reports' });
    await client.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const { where, values } = scopeFilter(scope);
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM settlement s WHERE ${where}`, values);
      return new SettledRowReader(client, Number(rows[0].n), scope);
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

  /** Ends the read-only transaction and the connection; nothing was written, so nothing can be lost. */
  async close(): Promise<void> {
    await this.client.query('COMMIT').catch(() => undefined);
    await this.client.end().catch(() => undefined);
  }
}
