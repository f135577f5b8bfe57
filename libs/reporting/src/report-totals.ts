import { Decimal } from '@gpupool/platform';

/** Sums over the rows of a report, exact (numeric in Postgres, Decimal here). */
export interface ReportTotals {
  quantity: number;
  netAmount: Decimal;
  taxAmount: Decimal;
  grossAmount: Decimal;
  costAmount: Decimal;
  marginAmount: Decimal;
}
