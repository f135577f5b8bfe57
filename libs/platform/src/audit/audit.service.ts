import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuthPrincipal } from '../auth/principal';
import { keysetPage, Page } from '../graphql/pagination';
import { isUuid } from '../validation/uuid';
import { AuditEvent } from './audit-event.entity';

export interface AuditRecord {
  action: string;
  entity: string;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

/** JSON-safe copy: Decimals and Dates become strings, so before/after read exactly as shown. */
function snapshot(value: unknown): object | null {
  return value == null ? null : (JSON.parse(JSON.stringify(value)) as object);
}

@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Records a change inside the caller's transaction, so the change and its audit commit together. */
  async record(em: EntityManager, actor: AuthPrincipal, record: AuditRecord): Promise<void> {
    await em.insert(AuditEvent, {
      actorId: actor.id,
      action: record.action,
      entity: record.entity,
      entityId: record.entityId ?? null,
      before: snapshot(record.before),
      after: snapshot(record.after),
      reason: record.reason ?? null,
    });
  }

  /** Newest first, keyset-paginated. */
  async list(first: number, after?: string | null, entity?: string | null, actorId?: string | null): Promise<Page<AuditEvent>> {
    const query = this.dataSource.getRepository(AuditEvent).createQueryBuilder('e').where('TRUE');
    if (entity) query.andWhere('e.entity = :entity', { entity });
    if (actorId) {
      if (!isUuid(actorId)) return { nodes: [], hasNextPage: false, totalCount: 0, cursorOf: () => '' };
      query.andWhere('e.actor_id = :actorId', { actorId });
    }
    return keysetPage(query, 'e.at', (event) => event.at, first, after);
  }
}
