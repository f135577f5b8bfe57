import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, Role, Roles } from '@gpupool/platform';
import type { AuthPrincipal } from '@gpupool/platform';
import { RequestSettlementReportInput, SettlementReportModel } from './reporting.models';
import { reportView, SettlementReportService } from './settlement-report.service';

@Resolver(() => SettlementReportModel)
export class SettlementReportResolver {
  constructor(private readonly reports: SettlementReportService) {}

  @Mutation(() => SettlementReportModel, { description: 'queues the export of the settlements of a period as a file' })
  @Roles(Role.ADMIN, Role.FINANCE)
  async requestSettlementReport(
    @CurrentPrincipal() actor: AuthPrincipal,
    @Args('input') input: RequestSettlementReportInput,
  ): Promise<SettlementReportModel> {
    return reportView(await this.reports.request(actor, input));
  }

  @Query(() => SettlementReportModel, { nullable: true, description: 'null for an unknown id' })
  @Roles(Role.ADMIN, Role.FINANCE)
  async settlementReport(@Args('id', { type: () => ID }) id: string): Promise<SettlementReportModel | null> {
    const report = await this.reports.find(id);
    return report ? reportView(report) : null;
  }
}
