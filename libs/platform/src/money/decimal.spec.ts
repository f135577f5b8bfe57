import { ceilFen, Decimal, roundFen } from './decimal';

describe('money rounding', () => {
  it.each([
    ['0.005', '0.01'],
    ['0.004', '0.00'],
    ['1.235', '1.24'],
    ['-1.235', '-1.24'],
    ['38999998.70', '38999998.70'],
  ])('rounds %s half-up to %s', (value, expected) => {
    expect(roundFen(new Decimal(value)).toFixed(2)).toBe(expected);
  });

  it('rounds holds up to the fen', () => {
    expect(ceilFen(new Decimal('0.001')).toFixed(2)).toBe('0.01');
    expect(ceilFen(new Decimal('10.00')).toFixed(2)).toBe('10.00');
  });

  it('multiplies and adds past 2^53 fen exactly', () => {
    const gross = new Decimal('299999.99').times(50_000).times('1.13');
    expect(gross.toFixed(2)).toBe('16949999435.00');
    expect(new Decimal('90071992547409.93').plus('0.01').toFixed(2)).toBe('90071992547409.94');
  });
});
