import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isUuid, keysetPage, Page } from '@gpupool/platform';
import { ReportStatus, SettlementReport } from './settlement-report.entity';

export interface SettlementReportFilter {
  status?: ReportStatus[] | null;
  partnerId?: string | null;
}

const EMPTY: Page<SettlementReport> = { nodes: [], hasNextPage: false, totalCount: 0, cursorOf: () => '' };

/** The history of settlement reports, newest request first. */
@Injectable()
export class SettlementReportQueryService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  list(filter: SettlementReportFilter, first: number, after?: string | null): Promise<Page<SettlementReport>> {
    if (filter.partnerId && !isUuid(filter.partnerId)) return Promise.resolve(EMPTY);
    const query = this.dataSource.getRepository(SettlementReport).createQueryBuilder('r').where('TRUE');
    if (filter.partnerId) query.andWhere('r.partner_id = :partnerId', { partnerId: filter.partnerId });
    if (filter.status?.length) query.andWhere('r.status IN (:...status)', { status: filter.status });
    return keysetPage(query, 'r.created_at', (row) => row.createdAt, first, after);
  }
}
