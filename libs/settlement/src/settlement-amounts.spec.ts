import { Account } from '@gpupool/ledger';
import { Decimal } from '@gpupool/platform';
import { costLines, saleLines, settlementAmounts } from './settlement-amounts';

const d = (value: string) => new Decimal(value);
const text = ({ net, tax, gross }: ReturnType<typeof settlementAmounts>) => [net.toFixed(2), tax.toFixed(2), gross.toFixed(2)];

describe('settlementAmounts', () => {
  it('is exact at the largest fills: 50,000 GPUs at CNY 299,999.99 with 13 % VAT', () => {
    expect(text(settlementAmounts(d('14999999500.00'), d('13')))).toEqual(['14999999500.00', '1949999935.00', '16949999435.00']);
  });

  it('stays exact past 2^53 fen', () => {
    const net = d('90071992547409.93'); // 2^53 fen + 1 fen, as CNY
    expect(text(settlementAmounts(net, d('13')))).toEqual(['90071992547409.93', '11709359031163.29', '101781351578573.22']);
  });

  it.each([
    ['0.50', '13', '0.07'], // 0.065 → 0.07
    ['1.50', '13', '0.20'], // 0.195 → 0.20
    ['0.10', '5', '0.01'], // 0.005 → 0.01
    ['0.30', '5', '0.02'], // 0.015 → 0.02
    ['0.38', '13', '0.05'], // 0.0494 → 0.05
    ['0.34', '13', '0.04'], // 0.0442 → 0.04
    ['100000.00', '0', '0.00'],
    ['0.33', '13.5', '0.04'], // 0.04455 → 0.04, not 0.045 → 0.05
    ['299999.99', '13.5', '40500.00'], // 40499.99865
  ])('net %s at %s %% has tax %s, rounded half-up to the fen', (net, rate, tax) => {
    const amounts = settlementAmounts(d(net), d(rate));
    expect(amounts.tax.toFixed(2)).toBe(tax);
    expect(amounts.gross.eq(amounts.net.plus(amounts.tax))).toBe(true);
  });
});

describe('saleLines and costLines', () => {
  const sum = (lines: { amount: Decimal }[]) => lines.reduce((total, l) => total.plus(l.amount), d('0'));

  it('book receivable, sales and VAT, then cost of goods and inventory, each balanced on its own', () => {
    const sale = saleLines('RECEIVABLE:p', settlementAmounts(d('1000.00'), d('13')));
    const cost = costLines(d('800.00'));
    expect([...sale, ...cost].map((l) => [l.account, l.amount.toFixed(2)])).toEqual([
      ['RECEIVABLE:p', '1130.00'],
      [Account.SALES_REVENUE, '-1000.00'],
      [Account.VAT_PAYABLE, '-130.00'],
      [Account.COGS, '800.00'],
      [Account.INVENTORY, '-800.00'],
    ]);
    expect(sum(sale).isZero()).toBe(true);
    expect(sum(cost).isZero()).toBe(true);
  });

  it('leave out the VAT line at 0 % tax, and every cost line at zero cost', () => {
    expect(saleLines('RECEIVABLE:p', settlementAmounts(d('1000.00'), d('0'))).map((l) => l.account)).toEqual([
      'RECEIVABLE:p',
      Account.SALES_REVENUE,
    ]);
    expect(costLines(d('0'))).toEqual([]);
  });
});
