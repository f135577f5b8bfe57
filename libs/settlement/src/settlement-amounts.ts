import { Account, JournalLine } from '@gpupool/ledger';
import { Decimal, roundFen } from '@gpupool/platform';

export interface SettlementAmounts {
  net: Decimal;
  tax: Decimal;
  gross: Decimal;
}

/** Net as given; tax = net × rate / 100, rounded half-up to the fen; gross = net + tax. */
export function settlementAmounts(net: Decimal, taxRatePercent: Decimal): SettlementAmounts {
  const tax = roundFen(net.times(taxRatePercent).div(100));
  return { net, tax, gross: net.plus(tax) };
}

/**
 * The lines of a fill's journal entry known before its cost: Dr the partner's receivable (gross) /
 * Cr sales (net) / Cr VAT payable (tax). They balance on their own; a zero line is left out.
 */
export function saleLines(receivableAccount: string, amounts: SettlementAmounts): JournalLine[] {
  return nonZero([
    { account: receivableAccount, amount: amounts.gross },
    { account: Account.SALES_REVENUE, amount: amounts.net.neg() },
    { account: Account.VAT_PAYABLE, amount: amounts.tax.neg() },
  ]);
}

/** The lines of a fill's cost, once FIFO relief has found it: Dr cost of goods sold / Cr inventory; none for a zero cost. */
export function costLines(cost: Decimal): JournalLine[] {
  return nonZero([
    { account: Account.COGS, amount: cost },
    { account: Account.INVENTORY, amount: cost.neg() },
  ]);
}

function nonZero(lines: JournalLine[]): JournalLine[] {
  return lines.filter((line) => !line.amount.isZero());
}
