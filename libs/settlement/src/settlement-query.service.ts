import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { AuthPrincipal, isUuid, keysetPage, Page, tenantOf } from '@gpupool/platform';
import { Settlement } from './settlement.entity';

export interface SettlementFilter {
  partnerId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

const EMPTY: Page<Settlement> = { nodes: [], hasNextPage: false, totalCount: 0, cursorOf: () => '' };

/** Reads of settlements; a partner sees only its own. */
@Injectable()
export class SettlementQueryService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  byFillIds(fillIds: readonly string[]): Promise<Settlement[]> {
    return this.dataSource.getRepository(Settlement).findBy({ fillId: In([...fillIds]) });
  }

  /** Newest first, `from ≤ settledAt < to`. Staff see every partner's (or one partner's); a partner only its own. */
  async list(principal: AuthPrincipal, filter: SettlementFilter, first: number, after?: string | null): Promise<Page<Settlement>> {
    const tenant = tenantOf(principal);
    if (tenant && filter.partnerId && filter.partnerId !== tenant) return EMPTY;
    const partnerId = tenant ?? filter.partnerId;
    if (partnerId && !isUuid(partnerId)) return EMPTY;
    const query = this.dataSource.getRepository(Settlement).createQueryBuilder('s').where('TRUE');
    if (partnerId) query.andWhere('s.partner_id = :partnerId', { partnerId });
    if (filter.from) query.andWhere('s.settled_at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('s.settled_at < :to', { to: filter.to });
    return keysetPage(query, 's.settled_at', (row) => row.settledAt, first, after);
  }
}
