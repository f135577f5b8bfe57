import { Decimal, formatDecimal } from '@gpupool/platform';
import { InvalidJournalEntryError } from './ledger.errors';

/** One line of an entry to post: an account code and a signed amount (+ debit, − credit). */
export interface JournalLine {
  account: string;
  amount: Decimal;
}

/** numeric(24,2) holds magnitudes below 10^22. */
const MAX_MAGNITUDE = new Decimal('1e22');

/**
 * Checks the lines of an entry before they reach the database: at least two, each a non-zero
 * amount in whole fen, summing to zero. The database checks the same (migrations/).
 */
export function assertBalanced(lines: readonly JournalLine[]): void {
  if (lines.length < 2) throw new InvalidJournalEntryError(`an entry needs at least two lines (got ${lines.length})`);
  let sum = new Decimal(0);
  for (const { account, amount } of lines) {
    if (!(amount instanceof Decimal) || !amount.isFinite()) {
      throw new InvalidJournalEntryError(`the amount for ${account} is not a finite Decimal`);
    }
    if (amount.isZero()) throw new InvalidJournalEntryError(`the amount for ${account} is zero`);
    if (amount.decimalPlaces() > 2) {
      throw new InvalidJournalEntryError(`the amount ${amount.toFixed()} for ${account} has more than two decimals`);
    }
    if (amount.abs().gte(MAX_MAGNITUDE)) throw new InvalidJournalEntryError(`the amount ${amount.toFixed()} for ${account} is too large`);
    sum = sum.plus(amount);
  }
  if (!sum.isZero()) {
    const side = sum.isPos() ? 'debits exceed credits' : 'credits exceed debits';
    throw new InvalidJournalEntryError(`unbalanced: ${side} by ${formatDecimal(sum.abs())}`);
  }
}
