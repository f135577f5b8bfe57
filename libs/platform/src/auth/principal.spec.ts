import { AuthPrincipal, partnerScope, Role } from './principal';

const own = '11111111-1111-4111-8111-111111111111';
const other = '22222222-2222-4222-8222-222222222222';
const partner: AuthPrincipal = { id: 'k1', role: Role.PARTNER, name: 'Acme', partnerId: own };
const staff = (role: Role): AuthPrincipal => ({ id: 'k2', role, name: role, partnerId: null });

describe('partnerScope', () => {
  it('lets staff read every partner, or the one they ask for', () => {
    for (const role of [Role.ADMIN, Role.OPERATOR, Role.FINANCE]) {
      expect(partnerScope(staff(role))).toBeUndefined();
      expect(partnerScope(staff(role), null)).toBeUndefined();
      expect(partnerScope(staff(role), other)).toBe(other);
    }
  });

  it('keeps a partner to its own rows, asked for or not', () => {
    expect(partnerScope(partner)).toBe(own);
    expect(partnerScope(partner, null)).toBe(own);
    expect(partnerScope(partner, own)).toBe(own);
  });

  it("answers another partner's id, or an id that is not a UUID, with nothing", () => {
    expect(partnerScope(partner, other)).toBeNull();
    expect(partnerScope(partner, 'not-a-uuid')).toBeNull();
    expect(partnerScope(staff(Role.ADMIN), 'not-a-uuid')).toBeNull();
    expect(partnerScope(staff(Role.ADMIN), "' OR 1=1 --")).toBeNull();
  });
});
