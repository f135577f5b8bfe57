import { bucketStart, MAX_SALES_BUCKETS, salesBuckets, SalesInterval } from './sales-buckets';

const at = (iso: string) => new Date(iso);
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('sales buckets', () => {
  it.each([
    [SalesInterval.HOUR, '2026-11-30T13:45:10.123Z', '2026-11-30T13:00:00.000Z'],
    [SalesInterval.DAY, '2026-11-30T23:59:59.999Z', '2026-11-30T00:00:00.000Z'],
    [SalesInterval.WEEK, '2026-11-29T10:00:00Z', '2026-11-23T00:00:00.000Z'], // a Sunday: its Monday before
    [SalesInterval.WEEK, '2026-11-30T00:00:00Z', '2026-11-30T00:00:00.000Z'], // a Monday
    [SalesInterval.MONTH, '2026-02-28T22:00:00Z', '2026-02-01T00:00:00.000Z'],
  ])('a %s bucket of %s starts at %s (UTC)', (interval, time, start) => {
    expect(bucketStart(at(time), interval).toISOString()).toBe(start);
  });

  it('covers [from, to) from the bucket holding from, every bucket once, to excluded', () => {
    expect(iso(salesBuckets(at('2026-11-29T12:00:00Z'), at('2026-12-02T00:00:00Z'), SalesInterval.DAY))).toEqual([
      '2026-11-29T00:00:00.000Z',
      '2026-11-30T00:00:00.000Z',
      '2026-12-01T00:00:00.000Z',
    ]);
    expect(iso(salesBuckets(at('2026-01-31T00:00:00Z'), at('2026-04-01T00:00:00Z'), SalesInterval.MONTH))).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2026-02-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
    ]);
  });

  it('refuses an empty or reversed period and one of too many buckets, with BAD_USER_INPUT', () => {
    const t = at('2026-11-30T00:00:00Z');
    expect(() => salesBuckets(t, t, SalesInterval.DAY)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    expect(() => salesBuckets(at('2027-01-01T00:00:00Z'), t, SalesInterval.DAY)).toThrow(/before/);
    const end = new Date(t.getTime() + MAX_SALES_BUCKETS * 3_600_000);
    expect(salesBuckets(t, end, SalesInterval.HOUR)).toHaveLength(MAX_SALES_BUCKETS);
    expect(() => salesBuckets(t, new Date(end.getTime() + 1), SalesInterval.HOUR)).toThrow(/more than 500 buckets/);
  });
});
