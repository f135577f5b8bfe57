import { Decimal } from '@gpupool/platform';
import { Col, REPORT_COLUMNS, ReportRow } from './report-columns';
import { toFen, TotalsAccumulator } from './report-totals';

const row = (quantity: number, net: string, tax: string, gross: string, cost: string): ReportRow => {
  const values = REPORT_COLUMNS.map(() => 'x');
  values[Col.QUANTITY] = String(quantity);
  values[Col.NET] = net;
  values[Col.TAX] = tax;
  values[Col.GROSS] = gross;
  values[Col.COST] = cost;
  return values;
};

describe('report totals', () => {
  it('reads amounts with exactly two decimals as integer fen', () => {
    expect(toFen('1234.50')).toBe(123450n);
    expect(toFen('0.01')).toBe(1n);
    expect(toFen('-0.50')).toBe(-50n);
    expect(toFen('99999999999999999999999.99')).toBe(9999999999999999999999999n);
  });

  it.each(['12', '12.5', '12.500', '1e5', '', 'abc.de'])('refuses %j, which is not an amount with two decimals', (text) => {
    expect(() => toFen(text)).toThrow();
  });

  it('adds up exactly where binary floating point would not', () => {
    const totals = new TotalsAccumulator();
    for (let i = 0; i < 10; i++) totals.add(row(1, '0.10', '0.01', '0.11', '0.07'));
    totals.add(row(50_000, '10000000000000.00', '1300000000000.00', '11300000000000.00', '9000000000000.00'));
    totals.add(row(3, '0.01', '0.00', '0.01', '0.00'));
    const sum = totals.totals();
    expect(sum.quantity).toBe(50_013);
    expect(sum.netAmount.toFixed(2)).toBe('10000000000001.01');
    expect(sum.taxAmount.toFixed(2)).toBe('1300000000000.10');
    expect(sum.grossAmount.toFixed(2)).toBe('11300000000001.11');
    expect(sum.costAmount.toFixed(2)).toBe('9000000000000.70');
    expect(sum.marginAmount.toFixed(2)).toBe('1000000000000.31');
    expect(sum.netAmount).toBeInstanceOf(Decimal);
  });

  it('gives zeros for no rows', () => {
    const sum = new TotalsAccumulator().totals();
    expect([
      sum.quantity,
      sum.netAmount.toFixed(2),
      sum.taxAmount.toFixed(2),
      sum.grossAmount.toFixed(2),
      sum.costAmount.toFixed(2),
    ]).toEqual([0, '0.00', '0.00', '0.00', '0.00']);
  });

  it('agrees with Decimal sums on many random amounts', () => {
    const totals = new TotalsAccumulator();
    let net = new Decimal(0);
    for (let i = 0; i < 5000; i++) {
      const amount = `${Math.floor(Math.random() * 1e12)}.${String(Math.floor(Math.random() * 100)).padStart(2, '0')}`;
      totals.add(row(1, amount, '0.00', amount, '0.00'));
      net = net.plus(amount);
    }
    expect(totals.totals().netAmount.toFixed(2)).toBe(net.toFixed(2));
  });
});
