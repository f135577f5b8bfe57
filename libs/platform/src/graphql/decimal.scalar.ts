import { CustomScalar, Scalar } from '@nestjs/graphql';
import { Kind, ValueNode } from 'graphql';
import { BadInputError } from '../errors/domain-error';
import { Decimal, DECIMAL_PATTERN, formatDecimal } from '../money/decimal';

/** Parses the wire form of a Decimal: a JSON string such as "98500.00"; anything else is refused. */
export function parseDecimal(value: unknown): Decimal {
  if (typeof value !== 'string' || !DECIMAL_PATTERN.test(value)) {
    throw new BadInputError(
      `Decimal must be a decimal number written as a string, such as "98500.00" (got ${JSON.stringify(value) ?? 'nothing'})`,
    );
  }
  return new Decimal(value);
}

@Scalar('Decimal', () => Decimal)
export class DecimalScalar implements CustomScalar<string, Decimal> {
  description = 'An exact decimal number as a JSON string, such as "98500.00"; a JSON number is refused';

  parseValue(value: unknown): Decimal {
    return parseDecimal(value);
  }

  serialize(value: unknown): string {
    if (value instanceof Decimal) return formatDecimal(value);
    if (typeof value === 'string' && DECIMAL_PATTERN.test(value)) return formatDecimal(new Decimal(value));
    throw new TypeError(`cannot serialize ${typeof value} as Decimal`);
  }

  parseLiteral(ast: ValueNode): Decimal {
    if (ast.kind !== Kind.STRING) {
      throw new BadInputError('Decimal must be a decimal number written as a string, such as "98500.00"');
    }
    return parseDecimal(ast.value);
  }
}
