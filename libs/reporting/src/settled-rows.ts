import { Readable } from 'node:stream';
import { Client, escapeLiteral } from 'pg';
import Cursor from 'pg-cursor';
import { to as copyTo } from 'pg-copy-streams';
import { Decimal } from '@gpupool/platform';
import { settledRowsQuery, SettledRowsScope, settledTotalsQuery } from '@gpupool/settlement';
import { REPORT_COLUMNS, ReportRow } from './report-columns';
import { ReportTotals } from './report-totals';

/** What a report covers: settlements with from <= settled_at < to, of one partner or all. */
export type ReportScope = SettledRowsScope;

/** A statement with its parameters written in as literals, for COPY (which takes none). */
function withLiterals({ text, values }: { text: string; values: unknown[] }): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const value = values[Number(n) - 1];
    return escapeLiteral(value instanceof Date ? value.toISOString() : String(value));
  });
}

/**
 * `COPY (settlement's settled-rows query) TO STDOUT` as CSV with a header record. `formulaSafe`: the typed columns
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
      const { text, values } = settledTotalsQuery(scope);
      const { rows } = await client.query<Record<'n' | 'quantity' | 'net' | 'tax' | 'gross' | 'cost', string>>(text, values);
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
