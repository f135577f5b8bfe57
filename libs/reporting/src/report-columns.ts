/** How a column's text is typed in a spreadsheet. */
export type ColumnKind = 'text' | 'time' | 'units' | 'amount' | 'percent';

export interface ReportColumn {
  header: string;
  kind: ColumnKind;
  /** Spreadsheet column width, in characters. */
  width: number;
  /** Text someone typed (a partner's clientOrderId, a name, a code), which may start like a spreadsheet formula. */
  freeText?: true;
}

/**
 * The columns of a settlement report, in file order: one row per settlement. Every value is
 * text exactly as Postgres rendered it (amounts with two decimals, times in UTC ISO-8601).
 */
export const REPORT_COLUMNS = [
  { header: 'settlement_id', kind: 'text', width: 38 },
  { header: 'fill_id', kind: 'text', width: 38 },
  { header: 'order_id', kind: 'text', width: 38 },
  { header: 'client_order_id', kind: 'text', freeText: true, width: 24 },
  { header: 'partner', kind: 'text', freeText: true, width: 28 },
  { header: 'sku', kind: 'text', freeText: true, width: 14 },
  { header: 'region', kind: 'text', freeText: true, width: 16 },
  { header: 'executed_at', kind: 'time', width: 24 },
  { header: 'settled_at', kind: 'time', width: 24 },
  { header: 'quantity', kind: 'units', width: 10 },
  { header: 'unit_price', kind: 'amount', width: 16 },
  { header: 'net_amount', kind: 'amount', width: 20 },
  { header: 'tax_rate_percent', kind: 'percent', width: 10 },
  { header: 'tax_amount', kind: 'amount', width: 18 },
  { header: 'gross_amount', kind: 'amount', width: 20 },
  { header: 'cost_amount', kind: 'amount', width: 20 },
  { header: 'margin_amount', kind: 'amount', width: 20 },
  { header: 'currency', kind: 'text', width: 9 },
  { header: 'journal_entry_id', kind: 'text', width: 38 },
] as const satisfies readonly ReportColumn[];

/** Positions of the values the totals add up. */
export const Col = {
  QUANTITY: 9,
  NET: 11,
  TAX: 13,
  GROSS: 14,
  COST: 15,
  MARGIN: 16,
} as const;

/** One report row: a text value per column of REPORT_COLUMNS. */
export type ReportRow = string[];
