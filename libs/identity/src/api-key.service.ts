import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource, In, IsNull } from 'typeorm';
import { APP_CONFIG, AppConfig, AuditService, AuthPrincipal, EventBus, NotFoundError, Role, transactionWithRetry } from '@gpupool/platform';
import { ApiKey } from './api-key.entity';
import { partnerKeyNeedsPartner } from './identity.errors';
import { IssueApiKeyInput, IssuedApiKeyModel } from './identity.models';
import { Partner } from './partner.entity';

/** How long a looked-up key is trusted while revocations are heard; a revocation clears every process's cache at once. */
const CACHE_TTL_MS = 60_000;
const CACHE_MAX_KEYS = 10_000;
/** The event bus channel of revocations and restored keys (the bus adds the queue prefix). */
export const API_KEYS_CHANGED = 'api-keys-changed';
const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Reads the key out of an `Authorization: Bearer <key>` header value. */
export function bearerToken(header: unknown): string | undefined {
  return typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
}

/**
 * API keys: issue, revoke, and the key → principal lookup every request makes. Lookups are cached
 * per process, but only while this process is subscribed to revocations (Redis pub/sub): a
 * revocation in any process clears every process's cache as soon as the message arrives, and
 * while the subscription is down (Redis unreachable) every lookup goes to Postgres.
 */
@Injectable()
export class ApiKeyService implements OnModuleInit, OnModuleDestroy {
  private readonly cache = new Map<string, { principal: AuthPrincipal | null; until: number }>();
  private subscriber?: Redis;
  /** True while the revocation channel is subscribed: only then is the cache used. */
  private hearing = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly bus: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const channel = this.bus.channelOf(API_KEYS_CHANGED);
    const subscriber = new Redis(this.config.REDIS_URL, { maxRetriesPerRequest: null, retryStrategy: () => 500 });
    const deaf = () => {
      this.hearing = false;
      this.cache.clear();
    };
    subscriber.on('error', () => undefined);
    subscriber.on('close', deaf);
    subscriber.on('reconnecting', deaf);
    subscriber.on('ready', () => {
      subscriber.subscribe(channel).then(
        () => {
          this.cache.clear();
          this.hearing = true;
        },
        () => deaf(),
      );
    });
    subscriber.on('message', () => this.cache.clear());
    this.subscriber = subscriber;
  }

  async onModuleDestroy(): Promise<void> {
    this.hearing = false;
    this.subscriber?.disconnect();
  }

  /** The principal for a key, or null for an unknown or revoked key. */
  async authenticate(key: string | undefined): Promise<AuthPrincipal | null> {
    if (!key) return null;
    const hash = hashKey(key);
    const cached = this.cache.get(hash);
    if (this.hearing && cached && cached.until > Date.now()) return cached.principal;
    const row = await this.dataSource.getRepository(ApiKey).findOne({ where: { keyHash: hash, revokedAt: IsNull() } });
    const principal = row ? { id: row.id, role: row.role, name: row.label, partnerId: row.partnerId } : null;
    if (this.hearing) {
      if (this.cache.size >= CACHE_MAX_KEYS) this.cache.clear();
      this.cache.set(hash, { principal, until: Date.now() + CACHE_TTL_MS });
    }
    return principal;
  }

  async issue(actor: AuthPrincipal, input: IssueApiKeyInput): Promise<IssuedApiKeyModel> {
    if ((input.role === Role.PARTNER) !== (input.partnerId != null)) throw partnerKeyNeedsPartner();
    const key = `gpk_${randomBytes(32).toString('base64url')}`;
    return transactionWithRetry(this.dataSource, async (em) => {
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
    const revoked = await transactionWithRetry(this.dataSource, async (em) => {
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
    await this.bus.publish(API_KEYS_CHANGED, { id });
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
    this.cache.clear();
    await this.bus.publish(API_KEYS_CHANGED, { bootstrap: true });
  }
}
