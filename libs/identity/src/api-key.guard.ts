import { CanActivate, ExecutionContext, Global, Injectable, Module } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AuthPrincipal, ForbiddenError, RequestLimiter, Role, ROLES_KEY, UnauthenticatedError } from '@gpupool/platform';
import { ApiKeyService, bearerToken } from './api-key.service';
import { IdentityModule } from './identity.module';

/** A request let in: who sent it, and how to free its in-flight slot. */
export interface Admission {
  principal: AuthPrincipal;
  leave: () => void;
}

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

  /** Nest controllers: the roles come from `@Roles(...)` on the handler or class; the api answers a refusal. */
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]);
    const http = context.switchToHttp();
    const { leave } = await this.admit(http.getRequest<Request>().headers.authorization, roles ?? []);
    http.getResponse<Response>().once('close', leave);
    return true;
  }
}

/** The guard and the limiter it counts with, for the api's HTTP entries. */
@Global()
@Module({ imports: [IdentityModule], providers: [RequestLimiter, ApiKeyGuard], exports: [RequestLimiter, ApiKeyGuard] })
export class ApiKeyGuardModule {}
