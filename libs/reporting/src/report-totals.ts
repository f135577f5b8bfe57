import { Decimal } from '@gpupool/platform';
import { Col, ReportRow } from './report-columns';

export interface ReportTotals {
  quantity: number;
  netAmount: Decimal;
  taxAmount: Decimal;
  grossAmount: Decimal;
  costAmount: Decimal;
  marginAmount: Decimal;
}

const DOT = 46;

/** An amount with exactly two decimals as exact integer fen: "-1234.50" → -123450n. */
export function toFen(amount: string): bigint {
  if (amount.length < 4 || amount.charCodeAt(amount.length - 3) !== DOT) {
    throw new RangeError(`amount "${amount}" does not have exactly two decimals`);
  }
  return BigInt(amount.slice(0, -3) + amount.slice(-2));
}

const fromFen = (fen: bigint) => new Decimal(fen.toString()).div(100);

/**
 * Adds up a report's rows exactly while they stream: amounts as integer fen (BigInt), which is
 * exact like Decimal and several times faster on a million rows.
 */
export class TotalsAccumulator {
  private quantity = 0;
  private net = 0n;
  private tax = 0n;
  private gross = 0n;
  private cost = 0n;

  add(row: ReportRow): void {
    this.quantity += Number(row[Col.QUANTITY]);
    this.net += toFen(row[Col.NET]);
    this.tax += toFen(row[Col.TAX]);
    this.gross += toFen(row[Col.GROSS]);
    this.cost += toFen(row[Col.COST]);
  }

  totals(): ReportTotals {
    if (!Number.isSafeInteger(this.quantity)) throw new RangeError(`total quantity ${this.quantity} exceeds the safe integer range`);
    return {
      quantity: this.quantity,
      netAmount: fromFen(this.net),
      taxAmount: fromFen(this.tax),
      grossAmount: fromFen(this.gross),
      costAmount: fromFen(this.cost),
      marginAmount: fromFen(this.net - this.cost),
    };
  }
}
