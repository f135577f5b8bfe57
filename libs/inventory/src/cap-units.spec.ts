import { Decimal } from '@gpupool/platform';
import { capUnits } from './cap-units';

describe('capUnits', () => {
  it.each([
    [12_345, '9.99', 1_233],
    [12_345, '0', 0],
    [0, '9.99', 0],
    [100, '9.99', 9],
    [1_000_000, '8', 80_000],
    [1_000_000, '9.99', 99_900],
    [999_999, '0.01', 99],
    [10_000, '0.01', 1],
    [9_999, '0.01', 0],
    [2_147_483_647, '9.99', 214_533_616],
    [7, '9.99', 0],
    [1_001, '9.99', 99],
  ])('%i units at %s %% is %i', (total, percent, cap) => {
    expect(capUnits(total, new Decimal(percent))).toBe(cap);
  });

  it('is exact where binary floating point is not', () => {
    // In doubles 10,000 × 0.57 / 100 is 56.99999999999999: a float floor would lose a unit.
    expect(Math.floor((10_000 * 0.57) / 100)).toBe(56);
    expect(capUnits(10_000, new Decimal('0.57'))).toBe(57);
    expect(capUnits(100_000, new Decimal('1.15'))).toBe(1_150);
  });
});
