import { CanActivate, ExecutionContext, Global, HttpException, Injectable, Module } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import {
  AuthPrincipal,
  DomainError,
  ErrorCode,
  ForbiddenError,
  RateLimitedError,
  RequestLimiter,
  Role,
  ROLES_KEY,
  UnauthenticatedError,
} from '@gpupool/platform';
import { ApiKeyService, bearerToken } from './api-key.service';
import { IdentityModule } from './identity.module';

/** A request let in: who sent it, and how to free its in-flight slot. */
export interface Admission {
  principal: AuthPrincipal;
  leave: () => void;
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.RATE_LIMITED]: 429,
};

/**
 * The one API-key guard of every HTTP entry (GraphQL, report downloads, the queue dashboard):
 * `Authorization: Bearer <key>` of an unrevoked key, then the key's rate (1 point) and a slot of
 * its requests in flight, then, where roles are declared, the role.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyService,
    private readonly limiter: RequestLimiter,
    private readonly reflector: Reflector,
  ) {}

  /** Lets a request in or throws UnauthenticatedError, ForbiddenError or RateLimitedError. */
  async admit(authorization: unknown, roles?: readonly Role[]): Promise<Admission> {
    const principal = await this.keys.authenticate(bearerToken(authorization));
    if (!principal) throw new UnauthenticatedError();
    if (roles && !roles.includes(principal.role)) {
      throw new ForbiddenError(`This is for ${roles.join(', ')}; your key has role ${principal.role}`);
    }
    await this.limiter.take(principal.id);
    return { principal, leave: await this.limiter.enter(principal.id) };
  }

  /** Nest controllers: the roles come from `@Roles(...)` on the handler or class. */
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]);
    const http = context.switchToHttp();
    try {
      await this.admitHttp(http.getRequest<Request>(), http.getResponse<Response>(), roles ?? []);
      return true;
    } catch (error) {
      throw asHttpException(error, http.getResponse<Response>());
    }
  }

  /** Express mounts (the queue dashboard): the same checks as middleware. */
  middleware(roles: readonly Role[]) {
    return (req: Request, res: Response, next: NextFunction) => {
      this.admitHttp(req, res, roles).then(
        () => next(),
        (error: unknown) => {
          const refusal = asHttpException(error, res);
          if (!(refusal instanceof HttpException)) return next(refusal);
          res.status(refusal.getStatus()).json(refusal.getResponse());
        },
      );
    };
  }

  private async admitHttp(req: Request, res: Response, roles: readonly Role[]): Promise<void> {
    const { leave } = await this.admit(req.headers.authorization, roles);
    res.once('close', leave);
  }
}

function asHttpException(error: unknown, res: Response): unknown {
  if (!(error instanceof DomainError)) return error;
  if (error instanceof RateLimitedError) res.setHeader('retry-after', String(Math.ceil(error.retryAfterMs / 1000)));
  return new HttpException({ code: error.code, message: error.message }, STATUS[error.code] ?? 400);
}

/** The guard and the limiter it counts with, for the api's HTTP entries. */
@Global()
@Module({ imports: [IdentityModule], providers: [RequestLimiter, ApiKeyGuard], exports: [RequestLimiter, ApiKeyGuard] })
export class ApiKeyGuardModule {}
