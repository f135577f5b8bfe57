import { IntrinsicException } from '@nestjs/common';
import { ErrorCode } from './error-code';

/**
 * A failure the caller can act on. Each domain throws its own subclass; the GraphQL error
 * formatter turns the code into `extensions.code` and keeps the message. An IntrinsicException,
 * so Nest does not log it as an unexpected error with its stack (a refused order is not one).
 */
export class DomainError extends IntrinsicException {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadInputError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(ErrorCode.BAD_USER_INPUT, message, details);
  }
}

export class NotFoundError extends DomainError {
  constructor(entity: string, id: string) {
    super(ErrorCode.NOT_FOUND, `${entity} ${id} was not found`, { entity, id });
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'A valid API key is required: send "Authorization: Bearer <key>"') {
    super(ErrorCode.UNAUTHENTICATED, message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'Your role may not do this') {
    super(ErrorCode.FORBIDDEN, message);
  }
}
