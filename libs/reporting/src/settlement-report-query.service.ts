import { Injectable } from '@nestjs/common';
import { isUuid, Page } from '@gpupool/platform';
import { ReportStatus, SettlementReport } from './settlement-report.entity';
import { SettlementReportRepository } from './settlement-report.repository';

export interface SettlementReportFilter {
  status?: ReportStatus[] | null;
  partnerId?: string | null;
}

const EMPTY: Page<SettlementReport> = { nodes: [], hasNextPage: false, totalCount: 0, cursorOf: () => '' };

/** The history of settlement reports, newest request first. */
@Injectable()
export class SettlementReportQueryService {
  constructor(private readonly reports: SettlementReportRepository) {}

  list(filter: SettlementReportFilter, first: number, after?: string | null): Promise<Page<SettlementReport>> {
    if (filter.partnerId && !isUuid(filter.partnerId)) return Promise.resolve(EMPTY);
    return this.reports.page(filter, first, after);
  }
}
