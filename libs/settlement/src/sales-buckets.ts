import { BadInputError } from '@gpupool/platform';

/** The width of one bucket of a sales series; boundaries are in UTC, weeks start on Monday. */
export enum SalesInterval {
  HOUR = 'HOUR',
  DAY = 'DAY',
  WEEK = 'WEEK',
  MONTH = 'MONTH',
}

/** The most buckets one series may have. */
export const MAX_SALES_BUCKETS = 500;

/** The start of the bucket holding `at`, as Postgres' `date_trunc(interval, at AT TIME ZONE 'UTC')`. */
export function bucketStart(at: Date, interval: SalesInterval): Date {
  const d = new Date(at.getTime());
  d.setUTCMinutes(0, 0, 0);
  if (interval === SalesInterval.HOUR) return d;
  d.setUTCHours(0);
  if (interval === SalesInterval.DAY) return d;
  if (interval === SalesInterval.WEEK) {
    d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
    return d;
  }
  d.setUTCDate(1);
  return d;
}

function nextBucket(start: Date, interval: SalesInterval): Date {
  const d = new Date(start.getTime());
  if (interval === SalesInterval.HOUR) d.setUTCHours(d.getUTCHours() + 1);
  else if (interval === SalesInterval.DAY) d.setUTCDate(d.getUTCDate() + 1);
  else if (interval === SalesInterval.WEEK) d.setUTCDate(d.getUTCDate() + 7);
  else d.setUTCMonth(d.getUTCMonth() + 1);
  return d;
}

/**
 * The starts of every bucket that meets `[from, to)`, oldest first. Refuses `from ≥ to` and
 * more than MAX_SALES_BUCKETS buckets (BAD_USER_INPUT).
 */
export function salesBuckets(from: Date, to: Date, interval: SalesInterval): Date[] {
  if (!(from.getTime() < to.getTime())) throw new BadInputError('from must be before to');
  const buckets: Date[] = [];
  for (let at = bucketStart(from, interval); at.getTime() < to.getTime(); at = nextBucket(at, interval)) {
    if (buckets.length === MAX_SALES_BUCKETS) {
      throw new BadInputError(`[from, to) spans more than ${MAX_SALES_BUCKETS} buckets of one ${interval}; choose a longer interval`);
    }
    buckets.push(at);
  }
  return buckets;
}

/** How many buckets `[from, to)` spans, or MAX_SALES_BUCKETS for arguments that will be refused. */
export function bucketCount(from: unknown, to: unknown, interval: unknown): number {
  try {
    return salesBuckets(new Date(from as string), new Date(to as string), (interval as SalesInterval) ?? SalesInterval.DAY).length;
  } catch {
    return 1;
  }
}
