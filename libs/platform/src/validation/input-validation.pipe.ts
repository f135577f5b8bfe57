import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { validate, ValidationError } from 'class-validator';
import { BadInputError } from '../errors/domain-error';

const PRIMITIVES = new Set<unknown>([String, Boolean, Number, Array, Object, Date]);

function messages(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((m) =>
      m.startsWith(error.property) ? `${prefix}${prefix ? '.' : ''}${m}` : `${path}: ${m}`,
    );
    return [...own, ...messages(error.children ?? [], path)];
  });
}

/**
 * Validates GraphQL input classes with their class-validator rules: unknown fields and bad
 * values are BAD_USER_INPUT naming each field. Scalar values (Decimal, Date) are kept as the
 * scalars parsed them, so no class-transformer pass can turn them into something else.
 */
@Injectable()
export class InputValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = metadata.metatype;
    // GraphQL @Args arrive as 'body'; parents, context and info are not inputs.
    if (metadata.type !== 'body' || !type || PRIMITIVES.has(type) || value == null || typeof value !== 'object') return value;
    const instance = Object.assign(new (type as new () => object)(), value);
    const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
    if (errors.length > 0) throw new BadInputError(messages(errors).join('; '));
    return instance;
  }
}
