import { Injectable } from '@nestjs/common';
import { AuthPrincipal, Page, partnerScope } from '@gpupool/platform';
import { Settlement } from './settlement.entity';
import { SettlementRepository } from './settlement.repository';

export interface SettlementFilter {
  partnerId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

const EMPTY: Page<Settlement> = { nodes: [], hasNextPage: false, totalCount: 0, cursorOf: () => '' };

/** Reads of settlements; a partner sees only its own. */
@Injectable()
export class SettlementQueryService {
  constructor(private readonly settlements: SettlementRepository) {}

  byFillIds(fillIds: readonly string[]): Promise<Settlement[]> {
    return this.settlements.byFillIds(fillIds);
  }

  /** Newest first, `from ≤ settledAt < to`. Staff see every partner's (or one partner's); a partner only its own. */
  async list(principal: AuthPrincipal, filter: SettlementFilter, first: number, after?: string | null): Promise<Page<Settlement>> {
    const partnerId = partnerScope(principal, filter.partnerId);
    if (partnerId === null) return EMPTY;
    return this.settlements.page({ partnerId, from: filter.from, to: filter.to }, first, after);
  }
}
