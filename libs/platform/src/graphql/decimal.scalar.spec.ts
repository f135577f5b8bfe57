import { Kind } from 'graphql';
import { BadInputError } from '../errors/domain-error';
import { Decimal } from '../money/decimal';
import { DecimalScalar } from './decimal.scalar';

describe('DecimalScalar', () => {
  const scalar = new DecimalScalar();

  it.each(['0', '98500.00', '-1.5', '1000000000000.01', '123456789012345678901234567890.12'])('parses %s exactly', (text) => {
    expect(scalar.parseValue(text).toFixed()).toBe(new Decimal(text).toFixed());
  });

  it('keeps amounts of 10^12 and more exact (no float on the way)', () => {
    const value = scalar.parseValue('9007199254740993.07');
    expect(scalar.serialize(value.plus('0.01'))).toBe('9007199254740993.08');
  });

  it.each([98500, 1e3, '1e3', '', ' 1', '1 ', 'NaN', 'Infinity', '-', '.5', '5.', '0x10', '1,000', null, true, {}])(
    'refuses %p as BAD_USER_INPUT',
    (value) => {
      expect(() => scalar.parseValue(value)).toThrow(BadInputError);
    },
  );

  it('refuses a number literal and accepts a string literal', () => {
    expect(() => scalar.parseLiteral({ kind: Kind.FLOAT, value: '1.5' })).toThrow(BadInputError);
    expect(scalar.parseLiteral({ kind: Kind.STRING, value: '1.50' }).eq('1.5')).toBe(true);
  });

  it('serializes with at least two decimals and never an exponent', () => {
    expect(scalar.serialize(new Decimal('98500'))).toBe('98500.00');
    expect(scalar.serialize(new Decimal('1e30'))).toBe('1000000000000000000000000000000.00');
    expect(scalar.serialize(new Decimal('0.125'))).toBe('0.125');
    expect(scalar.serialize('12.3')).toBe('12.30');
  });
});
