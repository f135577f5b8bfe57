import { registerEnumType } from '@nestjs/graphql';
import { isUuid } from '../validation/uuid';

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
function tenantOf(principal: AuthPrincipal): string | undefined {
  return principal.role === Role.PARTNER ? (principal.partnerId ?? undefined) : undefined;
}

/**
 * "A partner sees only its own", once for every read of partner-owned rows: the partner whose rows
 * a read returns, given the partner it asks for. Staff read the one they ask for, or every partner
 * (undefined); a partner reads its own. `null` means the read returns nothing: a partner asking for
 * another's rows, or an id that is not a UUID, is answered like an id that does not exist.
 */
export function partnerScope(principal: AuthPrincipal, requested?: string | null): string | undefined | null {
  const tenant = tenantOf(principal);
  if (requested != null && (!isUuid(requested) || (tenant !== undefined && requested !== tenant))) return null;
  return tenant ?? requested ?? undefined;
}
