import { CanActivate, ExecutionContext, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FieldMiddleware, GqlExecutionContext, MiddlewareContext, NextFn } from '@nestjs/graphql';
import { ForbiddenError, UnauthenticatedError } from '../errors/domain-error';
import { AuthPrincipal, Role } from './principal';
import { RequestContext } from './request-context';

export const ROLES_KEY = 'gpupool:roles';

/** Declares which roles may call a query, mutation or subscription. Undeclared means nobody. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

function principalOf(context: RequestContext | undefined): AuthPrincipal {
  if (!context?.principal) throw new UnauthenticatedError();
  return context.principal;
}

/** The authenticated caller of the current GraphQL operation. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthPrincipal =>
  principalOf(GqlExecutionContext.create(ctx).getContext<RequestContext>()),
);

/** The request context of the current GraphQL operation (principal, loaders). */
export const CurrentContext = createParamDecorator((_data: unknown, ctx: ExecutionContext): RequestContext =>
  GqlExecutionContext.create(ctx).getContext<RequestContext>(),
);

@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType<string>() !== 'graphql') return true;
    const principal = principalOf(GqlExecutionContext.create(context).getContext<RequestContext>());
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]);
    if (!roles?.includes(principal.role)) {
      throw new ForbiddenError(`This operation is for ${roles?.join(', ') || 'nobody'}; your key has role ${principal.role}`);
    }
    return true;
  }
}

/** A field middleware that refuses a field to every role not listed (FORBIDDEN). */
export function allowRoles(...roles: Role[]): FieldMiddleware {
  return async (ctx: MiddlewareContext, next: NextFn) => {
    const principal = principalOf(ctx.context as RequestContext);
    if (!roles.includes(principal.role)) {
      throw new ForbiddenError(`Field ${ctx.info?.parentType.name}.${ctx.info?.fieldName} is not shown to role ${principal.role}`);
    }
    return next();
  };
}
