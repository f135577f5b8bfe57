import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('allows a burst of perSecond, then refills at perSecond', () => {
    let now = 0;
    const limiter = new RateLimiter(200, () => now);
    const burst = Array.from({ length: 250 }, () => limiter.take('k')).filter(Boolean).length;
    expect(burst).toBe(200);
    now += 100; // 0.1 s: 20 tokens
    expect(Array.from({ length: 30 }, () => limiter.take('k')).filter(Boolean).length).toBe(20);
  });

  it('keeps keys apart and can be turned off', () => {
    const now = 0;
    const limiter = new RateLimiter(1, () => now);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('b')]).toEqual([true, false, true]);
    const off = new RateLimiter(0);
    expect(Array.from({ length: 1000 }, () => off.take('a')).every(Boolean)).toBe(true);
  });
});
