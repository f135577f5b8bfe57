import { SETTLED_ROW_COLUMNS, SettledRowHeader } from '@gpupool/settlement';

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

/** How each settled-row column shows in a spreadsheet. */
const LAYOUT: Record<SettledRowHeader, { kind: ColumnKind; width: number }> = {
  settlement_id: { kind: 'text', width: 38 },
  fill_id: { kind: 'text', width: 38 },
  order_id: { kind: 'text', width: 38 },
  client_order_id: { kind: 'text', width: 24 },
  partner: { kind: 'text', width: 28 },
  sku: { kind: 'text', width: 14 },
  region: { kind: 'text', width: 16 },
  executed_at: { kind: 'time', width: 24 },
  settled_at: { kind: 'time', width: 24 },
  quantity: { kind: 'units', width: 10 },
  unit_price: { kind: 'amount', width: 16 },
  net_amount: { kind: 'amount', width: 20 },
  tax_rate_percent: { kind: 'percent', width: 10 },
  tax_amount: { kind: 'amount', width: 18 },
  gross_amount: { kind: 'amount', width: 20 },
  cost_amount: { kind: 'amount', width: 20 },
  margin_amount: { kind: 'amount', width: 20 },
  currency: { kind: 'text', width: 9 },
  journal_entry_id: { kind: 'text', width: 38 },
};

/**
 * The columns of a settlement report, in file order: settlement's settled-row columns, one row per
 * settlement. Every value is text exactly as Postgres rendered it (amounts with two decimals, times
 * in UTC ISO-8601).
 */
export const REPORT_COLUMNS: readonly ReportColumn[] = SETTLED_ROW_COLUMNS.map((column) => ({ ...column, ...LAYOUT[column.header] }));

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
