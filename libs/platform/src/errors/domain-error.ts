import { IntrinsicException } from '@nestjs/common';
import { ErrorCode } from './error-code';

/**
 * A failure the caller can act on, with a code of its domain (`C`). Each domain throws its own
 * subclass. Where it is answered, the code and the message reach the client, and so does
 * `extensions` (the public extras the contract names, such as RATE_LIMITED's `retryAfterMs`);
 * `details` go to the log only. An IntrinsicException, so Nest does not log it as an unexpected
 * error with its stack (a refused order is not one).
 */
export class DomainError<C extends string = string> extends IntrinsicException {
  constructor(
    readonly code: C,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly extensions?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadInputError extends DomainError<ErrorCode> {
  constructor(message: string, details?: Record<string, unknown>) {
    super(ErrorCode.BAD_USER_INPUT, message, details);
  }
}

export class NotFoundError extends DomainError<ErrorCode> {
  constructor(entity: string, id: string) {
    super(ErrorCode.NOT_FOUND, `${entity} ${id} was not found`, { entity, id });
  }
}

export class UnauthenticatedError extends DomainError<ErrorCode> {
  constructor(message = 'A valid API key is required: send "Authorization: Bearer <key>"') {
    super(ErrorCode.UNAUTHENTICATED, message);
  }
}

export class ForbiddenError extends DomainError<ErrorCode> {
  constructor(message = 'Your role may not do this') {
    super(ErrorCode.FORBIDDEN, message);
  }
}
