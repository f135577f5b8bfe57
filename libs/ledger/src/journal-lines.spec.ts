import { Decimal } from '@gpupool/platform';
import { assertBalanced, JournalLine } from './journal-lines';
import { InvalidJournalEntryError } from './ledger.errors';

const line = (account: string, amount: string): JournalLine => ({ account, amount: new Decimal(amount) });

describe('assertBalanced', () => {
  it('accepts lines that sum to zero', () => {
    expect(() =>
      assertBalanced([line('RECEIVABLE:p', '113.00'), line('SALES_REVENUE', '-100.00'), line('VAT_PAYABLE', '-13.00')]),
    ).not.toThrow();
  });

  it('sums exactly past 2^53 fen', () => {
    // 2^53 fen = 90071992547409.92; a float would lose the last fen of these sums.
    expect(() =>
      assertBalanced([line('CASH', '90071992547409.93'), line('CASH', '0.01'), line('SALES_REVENUE', '-90071992547409.94')]),
    ).not.toThrow();
    expect(() =>
      assertBalanced([line('CASH', '90071992547409.93'), line('CASH', '0.01'), line('SALES_REVENUE', '-90071992547409.93')]),
    ).toThrow('debits exceed credits by 0.01');
  });

  it('balances a fill-sized entry: 50,000 GPUs × 299,999.99 with 13 % VAT', () => {
    const net = new Decimal('299999.99').times(50_000);
    const tax = net.times('0.13').toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
    const gross = net.plus(tax);
    expect([net.toFixed(2), tax.toFixed(2), gross.toFixed(2)]).toEqual(['14999999500.00', '1949999935.00', '16949999435.00']);
    expect(() =>
      assertBalanced([
        { account: 'R', amount: gross },
        { account: 'S', amount: net.neg() },
        { account: 'V', amount: tax.neg() },
      ]),
    ).not.toThrow();
  });

  it.each([
    ['one line', [line('CASH', '1.00')], /at least two lines/],
    ['no lines', [], /at least two lines/],
    ['more credit than debit', [line('CASH', '1.00'), line('SALES_REVENUE', '-1.01')], /credits exceed debits by 0.01/],
    ['a zero line', [line('CASH', '0'), line('SALES_REVENUE', '0')], /zero/],
    ['a third decimal', [line('CASH', '1.005'), line('SALES_REVENUE', '-1.005')], /more than two decimals/],
    ['an amount past numeric(24,2)', [line('CASH', '1e22'), line('SALES_REVENUE', '-1e22')], /too large/],
    ['a NaN', [line('CASH', 'NaN'), line('SALES_REVENUE', '1')], /not a finite Decimal/],
  ])('refuses %s', (_case, lines, message) => {
    expect(() => assertBalanced(lines)).toThrow(InvalidJournalEntryError);
    expect(() => assertBalanced(lines)).toThrow(message);
  });

  it('refuses a JS number where a Decimal belongs', () => {
    const lines = [{ account: 'CASH', amount: 1 as unknown as Decimal }, line('SALES_REVENUE', '-1')];
    expect(() => assertBalanced(lines)).toThrow(/not a finite Decimal/);
  });
});
