import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError, RateLimitedError } from '@gpupool/platform';
import { httpStatusOf } from './error-codes';

const logger = new Logger('HttpErrors');

/**
 * A DomainError answered over plain HTTP (REST routes, the queue dashboard): its code's status,
 * `{ code, message }`, and `Retry-After` when rate limited; its `details` go to the log.
 */
export function sendDomainError(res: Response, error: DomainError): void {
  if (error.details) logger.debug({ code: error.code, details: error.details }, error.message);
  if (error instanceof RateLimitedError) res.setHeader('retry-after', String(Math.ceil(error.retryAfterMs / 1000)));
  res.status(httpStatusOf(error.code)).json({ code: error.code, message: error.message });
}

/** DomainErrors of the api's controllers and guards; GraphQL formats its own (formatGraphQLError). */
@Catch(DomainError)
export class DomainErrorFilter implements ExceptionFilter<DomainError> {
  catch(error: DomainError, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    sendDomainError(host.switchToHttp().getResponse<Response>(), error);
  }
}
