import { ValidationArguments, ValidationOptions, registerDecorator } from 'class-validator';
import { Decimal } from '../money/decimal';

export interface DecimalRange {
  /** Smallest allowed value, inclusive unless `minExclusive`. */
  min?: string;
  minExclusive?: boolean;
  /** Largest allowed value, inclusive unless `maxExclusive`. */
  max?: string;
  maxExclusive?: boolean;
  maxDecimals: number;
}

function describe(range: DecimalRange): string {
  const parts: string[] = [];
  if (range.min !== undefined) parts.push(`${range.minExclusive ? '>' : '≥'} ${range.min}`);
  if (range.max !== undefined) parts.push(`${range.maxExclusive ? '<' : '≤'} ${range.max}`);
  parts.push(`at most ${range.maxDecimals} decimals`);
  return parts.join(', ');
}

export function inDecimalRange(value: unknown, range: DecimalRange): boolean {
  if (!(value instanceof Decimal) || value.decimalPlaces() > range.maxDecimals) return false;
  if (range.min !== undefined && (range.minExclusive ? value.lte(range.min) : value.lt(range.min))) return false;
  if (range.max !== undefined && (range.maxExclusive ? value.gte(range.max) : value.gt(range.max))) return false;
  return true;
}

/** A Decimal within a range and with a bounded number of decimals, e.g. a price in fen. */
export function IsDecimalInRange(range: DecimalRange, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isDecimalInRange',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => inDecimalRange(value, range),
        defaultMessage: (args?: ValidationArguments) => `${args?.property} must be a decimal ${describe(range)}`,
      },
    });
}

/** Printable, non-blank text of bounded length, without leading or trailing spaces. */
export function IsCleanText(maxLength: number, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isCleanText',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && value.length >= 1 && value.length <= maxLength && value.trim() === value && !/\p{Cc}/u.test(value),
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must be 1-${maxLength} printable characters without leading or trailing spaces`,
      },
    });
}
