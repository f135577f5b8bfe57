import { allocateUsage } from './license-allocation';

const active = (quantity: number) => ({ quantity, active: true });
const expired = (quantity: number) => ({ quantity, active: false });

describe('allocateUsage', () => {
  it('fills the earliest license first, each up to its quantity', () => {
    expect(allocateUsage([active(100), active(50)], 0)).toEqual([0, 0]);
    expect(allocateUsage([active(100), active(50)], 60)).toEqual([60, 0]);
    expect(allocateUsage([active(100), active(50)], 100)).toEqual([100, 0]);
    expect(allocateUsage([active(100), active(50)], 130)).toEqual([100, 30]);
    expect(allocateUsage([active(100), active(50)], 150)).toEqual([100, 50]);
  });

  it('never shows more than a license grants, even when usage passes every license', () => {
    expect(allocateUsage([active(100), active(50)], 400)).toEqual([100, 50]);
  });

  it('covers nothing with an expired license, so unexpired ones show what headroom is left', () => {
    expect(allocateUsage([expired(100), active(50), active(70)], 80)).toEqual([0, 50, 30]);
    expect(allocateUsage([expired(100)], 80)).toEqual([0]);
  });

  it('allocates nothing without licenses', () => {
    expect(allocateUsage([], 10)).toEqual([]);
  });
});
