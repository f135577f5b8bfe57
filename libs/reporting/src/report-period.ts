import { BadInputError } from '@gpupool/platform';

/** The longest period one report covers. */
export const MAX_REPORT_DAYS = 366;
const DAY_MS = 24 * 3600 * 1000;

/** Refuses a period that is empty, reversed or longer than MAX_REPORT_DAYS (BAD_USER_INPUT). */
export function checkReportPeriod(from: Date, to: Date): void {
  if (from.getTime() >= to.getTime()) {
    throw new BadInputError(
      `The period must end after it starts: from (${from.toISOString()}) must be before to (${to.toISOString()}); settlements with from <= settledAt < to are reported`,
    );
  }
  if (to.getTime() - from.getTime() > MAX_REPORT_DAYS * DAY_MS) {
    throw new BadInputError(
      `A report covers at most ${MAX_REPORT_DAYS} days; split the period from ${from.toISOString()} to ${to.toISOString()} into shorter ones`,
    );
  }
}
