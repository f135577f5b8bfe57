import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull } from 'typeorm';
import { AuditService, AuthPrincipal, NotFoundError, Role } from '@gpupool/platform';
import { ApiKey } from './api-key.entity';
import { partnerKeyNeedsPartner } from './identity.errors';
import { IssueApiKeyInput, IssuedApiKeyModel } from './identity.models';
import { Partner } from './partner.entity';

const CACHE_TTL_MS = 2000;
const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Reads the key out of an `Authorization: Bearer <key>` header value. */
export function bearerToken(header: unknown): string | undefined {
  return typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
}

@Injectable()
export class ApiKeyService {
  /** Short-lived cache of lookups by hash; a revocation in this process clears it at once. */
  private readonly cache = new Map<string, { principal: AuthPrincipal | null; until: number }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** The principal for a key, or null for an unknown or revoked key. */
  async authenticate(key: string | undefined): Promise<AuthPrincipal | null> {
    if (!key) return null;
    const hash = hashKey(key);
    const cached = this.cache.get(hash);
    if (cached && cached.until > Date.now()) return cached.principal;
    const row = await this.dataSource.getRepository(ApiKey).findOne({ where: { keyHash: hash, revokedAt: IsNull() } });
    const principal = row ? { id: row.id, role: row.role, name: row.label, partnerId: row.partnerId } : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal, until: Date.now() + CACHE_TTL_MS });
    return principal;
  }

  async issue(actor: AuthPrincipal, input: IssueApiKeyInput): Promise<IssuedApiKeyModel> {
    if ((input.role === Role.PARTNER) !== (input.partnerId !== undefined)) throw partnerKeyNeedsPartner();
    const key = `gpk_${randomBytes(32).toString('base64url')}`;
    return this.dataSource.transaction(async (em) => {
      if (input.partnerId && !(await em.existsBy(Partner, { id: input.partnerId }))) {
        throw new NotFoundError('Partner', input.partnerId);
      }
      const row = await em.save(
        em.create(ApiKey, { role: input.role, partnerId: input.partnerId ?? null, label: input.label, keyHash: hashKey(key) }),
      );
      await this.audit.record(em, actor, {
        action: 'api-key.issue',
        entity: 'ApiKey',
        entityId: row.id,
        after: { role: row.role, partnerId: row.partnerId, label: row.label },
      });
      return { id: row.id, key, role: row.role, partnerId: row.partnerId };
    });
  }

  async revoke(actor: AuthPrincipal, id: string, reason: string): Promise<ApiKey> {
    const revoked = await this.dataSource.transaction(async (em) => {
      const row = await em.findOne(ApiKey, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw new NotFoundError('ApiKey', id);
      if (row.revokedAt) return row;
      const before = { revokedAt: null };
      row.revokedAt = new Date();
      await em.save(row);
      await this.audit.record(em, actor, {
        action: 'api-key.revoke',
        entity: 'ApiKey',
        entityId: id,
        before,
        after: { revokedAt: row.revokedAt },
        reason,
      });
      return row;
    });
    this.cache.clear();
    return revoked;
  }

  list(): Promise<ApiKey[]> {
    return this.dataSource.getRepository(ApiKey).find({ order: { createdAt: 'DESC', id: 'DESC' } });
  }

  /** Principals by id, revoked ones included (the audit log names past actors). */
  async principalsByIds(ids: readonly string[]): Promise<AuthPrincipal[]> {
    const rows = await this.dataSource.getRepository(ApiKey).findBy({ id: In([...ids]) });
    return rows.map((row) => ({ id: row.id, role: row.role, name: row.label, partnerId: row.partnerId }));
  }

  /** Makes `key` a working ADMIN key (the BOOTSTRAP_ADMIN_KEY), restoring it if it was revoked. */
  async ensureBootstrapAdmin(key: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO api_key (role, label, key_hash) VALUES ('ADMIN', 'bootstrap admin', $1)
       ON CONFLICT (key_hash) DO UPDATE SET revoked_at = NULL, role = 'ADMIN', partner_id = NULL`,
      [hashKey(key)],
    );
  }
}
