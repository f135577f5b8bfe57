import { Decimal } from '@gpupool/platform';
import { fillHoldPart, holdFor } from './credit-hold';

describe('credit holds', () => {
  it('holds quantity × limit × (1 + tax), rounded up to the fen', () => {
    expect(holdFor(3, new Decimal('0.01'), new Decimal(13)).toFixed(2)).toBe('0.04'); // 0.0339 → 0.04
    expect(holdFor(50_000, new Decimal('299999.99'), new Decimal(13)).toFixed(2)).toBe('16949999435.00');
    expect(holdFor(7, new Decimal('95000.00'), new Decimal(0)).toFixed(2)).toBe('665000.00');
  });

  it('splits a hold over fills so that the parts add up exactly', () => {
    const limit = new Decimal('0.07');
    const tax = new Decimal('13');
    const hold = holdFor(10, limit, tax);
    let filled = 0;
    let parts = new Decimal(0);
    for (const quantity of [1, 3, 1, 2]) {
      parts = parts.plus(fillHoldPart(filled, quantity, limit, tax));
      filled += quantity;
    }
    const released = hold.minus(holdFor(filled, limit, tax));
    expect(parts.plus(released).eq(hold)).toBe(true);
    expect(released.gte(0)).toBe(true);
  });
});
