import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityModule } from '@gpupool/identity';
import { ReportBuilder } from './report-builder.service';
import { ReportDownloadController } from './report-download.controller';
import { ReportQueue } from './report-queue';
import { ReportProcessor } from './report.processor';
import { ReportingSweep } from './reporting.sweep';
import { SettlementReport } from './settlement-report.entity';
import { SettlementReportRepository } from './settlement-report.repository';
import { SettlementReportResolver } from './settlement-report.resolver';
import { SettlementReportService } from './settlement-report.service';
import { SettlementReportQueryService } from './settlement-report-query.service';
import { SettlementReportsResolver } from './settlement-reports.resolver';

export const REPORTING_ENTITIES = [SettlementReport];
export const REPORTING_RESOLVERS = [SettlementReportResolver, SettlementReportsResolver];

const services = [SettlementReportService, SettlementReportQueryService, ReportQueue, ReportBuilder, ReportingSweep];

/** Settlement reports: services for api and worker. */
@Module({
  imports: [TypeOrmModule.forFeature(REPORTING_ENTITIES), IdentityModule],
  providers: [...services, SettlementReportRepository],
  exports: services,
})
export class ReportingModule {}

/** GraphQL and the download endpoint: only the api imports it. */
@Module({ imports: [ReportingModule, IdentityModule], providers: REPORTING_RESOLVERS, controllers: [ReportDownloadController] })
export class ReportingApiModule {}

/** The report processor: only the worker imports it. */
@Module({ imports: [ReportingModule], providers: [ReportProcessor], exports: [ReportingModule] })
export class ReportingWorkerModule {}
