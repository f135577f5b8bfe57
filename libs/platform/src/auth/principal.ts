import { registerEnumType } from '@nestjs/graphql';

export enum Role {
  ADMIN = 'ADMIN',
  OPERATOR = 'OPERATOR',
  FINANCE = 'FINANCE',
  PARTNER = 'PARTNER',
}
registerEnumType(Role, { name: 'Role' });

/** Who is calling: the holder of an API key. A PARTNER principal always has its partnerId. */
export interface AuthPrincipal {
  readonly id: string;
  readonly role: Role;
  readonly name: string;
  readonly partnerId: string | null;
}

/** Roles that run the pool and may see fleet totals, caps and costs. */
export const STAFF_ROLES = [Role.ADMIN, Role.OPERATOR, Role.FINANCE] as const;

/** The partner a principal may act for, or undefined for staff who see every partner. */
export function tenantOf(principal: AuthPrincipal): string | undefined {
  return principal.role === Role.PARTNER ? (principal.partnerId ?? undefined) : undefined;
}
