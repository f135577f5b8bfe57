import DecimalJs from 'decimal.js';
import { ValueTransformer } from 'typeorm';

/** An exact decimal type for money, prices and percentages; never a JS number. */
export const Decimal = DecimalJs.clone({ precision: 64, rounding: DecimalJs.ROUND_HALF_UP, toExpNeg: -64, toExpPos: 64 });
export type Decimal = InstanceType<typeof Decimal>;

export const DECIMAL_PATTERN = /^-?\d+(\.\d+)?$/;

export const ZERO = new Decimal(0);

/** Rounds half-up to the fen (two decimals). */
export function roundFen(value: Decimal): Decimal {
  return value.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

/** Rounds up to the fen (two decimals), for credit holds. */
export function ceilFen(value: Decimal): Decimal {
  return value.toDecimalPlaces(2, Decimal.ROUND_CEIL);
}

/** Renders a decimal with at least two decimals and never an exponent: "98500.00". */
export function formatDecimal(value: Decimal): string {
  return value.decimalPlaces() < 2 ? value.toFixed(2) : value.toFixed();
}

/** TypeORM transformer for `numeric` columns: the driver's string to an exact Decimal and back. */
export const decimalTransformer: ValueTransformer = {
  to: (value: Decimal | null | undefined) => (value == null ? value : value.toFixed()),
  from: (value: string | null) => (value == null ? null : new Decimal(value)),
};

/** TypeORM transformer for `bigint` columns whose values stay within 2^53 (unit counts). */
export const bigintCountTransformer: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => {
    if (value == null) return null;
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw new RangeError(`count ${value} exceeds the safe integer range`);
    return n;
  },
};
