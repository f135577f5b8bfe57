import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { DataSource } from 'typeorm';
import { PartnerService } from '@gpupool/identity';
import { AuditService, AuthPrincipal, NotFoundError, transactionWithRetry } from '@gpupool/platform';
import { checkReportPeriod } from './report-period';
import { ReportQueue } from './report-queue';
import { RequestSettlementReportInput, SettlementReportModel } from './reporting.models';
import { ReportStatus, SettlementReport } from './settlement-report.entity';
import { SettlementReportRepository } from './settlement-report.repository';

/** Where a SUCCEEDED report is downloaded, relative to the api's address. */
export const downloadPath = (reportId: string) => `/reports/${reportId}/download`;

/** A report as the API shows it. */
export function reportView(report: SettlementReport): SettlementReportModel {
  const succeeded = report.status === ReportStatus.SUCCEEDED;
  return {
    id: report.id,
    status: report.status,
    format: report.format,
    from: report.periodFrom,
    to: report.periodTo,
    partnerId: report.partnerId,
    progressPercent: report.progressPercent,
    rowCount: report.rowCount,
    totals: succeeded
      ? {
          quantity: report.totalQuantity!,
          netAmount: report.totalNetAmount!,
          taxAmount: report.totalTaxAmount!,
          grossAmount: report.totalGrossAmount!,
          costAmount: report.totalCostAmount!,
          marginAmount: report.totalNetAmount!.minus(report.totalCostAmount!),
        }
      : null,
    sha256: report.sha256,
    downloadUrl: succeeded && !report.fileDeletedAt ? downloadPath(report.id) : null,
    error: report.error,
    attempts: report.attempts,
    createdAt: report.createdAt,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    fileDeletedAt: report.fileDeletedAt,
  };
}

@Injectable()
export class SettlementReportService {
  private readonly logger = new Logger(SettlementReportService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reports: SettlementReportRepository,
    private readonly partners: PartnerService,
    private readonly audit: AuditService,
    private readonly queue: ReportQueue,
  ) {}

  /**
   * Records a QUEUED report and its audit in one transaction, then queues its job. A failed
   * enqueue is logged, not thrown: the report is committed and the sweep queues it later.
   */
  async request(actor: AuthPrincipal, input: RequestSettlementReportInput): Promise<SettlementReport> {
    checkReportPeriod(input.from, input.to);
    const partnerId = input.partnerId ?? null;
    const report = await transactionWithRetry(this.dataSource, async (em) => {
      if (partnerId && (await this.partners.findByIds([partnerId], em)).length === 0) throw new NotFoundError('Partner', partnerId);
      const row = await this.reports.insert(em, {
        format: input.format,
        periodFrom: input.from,
        periodTo: input.to,
        partnerId,
        requestedBy: actor.id,
      });
      await this.audit.record(em, actor, {
        action: 'settlement-report.request',
        entity: 'SettlementReport',
        entityId: row.id,
        after: { format: row.format, from: row.periodFrom, to: row.periodTo, partnerId },
      });
      return row;
    });
    await this.queue.add(report.id).catch((error: unknown) => {
      this.logger.warn({ reportId: report.id, err: error }, 'report job not queued; the sweep will queue it');
    });
    return report;
  }

  /** The report, or null for an unknown id. */
  find(id: string): Promise<SettlementReport | null> {
    if (!isUUID(id)) return Promise.resolve(null);
    return this.reports.byId(id);
  }
}
