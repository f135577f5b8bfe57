import { Args, ID, Int, Query, Resolver } from '@nestjs/graphql';
import { Connection, connectionTypes, encodeCursor, pagedComplexity, pageSize, Role, Roles, toConnection } from '@gpupool/platform';
import { SettlementReportModel } from './reporting.models';
import { ReportStatus } from './settlement-report.entity';
import { SettlementReportQueryService } from './settlement-report-query.service';
import { reportView } from './settlement-report.service';

export const SettlementReportConnection = connectionTypes(SettlementReportModel, 'SettlementReport');

/** The history of settlement reports, for finance. */
@Resolver(() => SettlementReportModel)
export class SettlementReportsResolver {
  constructor(private readonly reports: SettlementReportQueryService) {}

  @Query(() => SettlementReportConnection, { description: 'newest request first; first ≤ 500', complexity: pagedComplexity })
  @Roles(Role.ADMIN, Role.FINANCE)
  async settlementReports(
    @Args('first', { type: () => Int, defaultValue: 20 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @Args('status', { type: () => [ReportStatus], nullable: true }) status: ReportStatus[] | null,
    @Args('partnerId', { type: () => ID, nullable: true }) partnerId: string | null,
  ): Promise<Connection<SettlementReportModel>> {
    const page = await this.reports.list({ status, partnerId }, pageSize(first), after);
    return toConnection({
      ...page,
      nodes: page.nodes.map(reportView),
      cursorOf: (view) => encodeCursor({ at: view.createdAt, id: view.id }),
    });
  }
}
