import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Controller, Get, Inject, Logger, Param, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { ApiKeyGuard, PartnerService } from '@gpupool/identity';
import { APP_CONFIG, AppConfig, NotFoundError, Role, Roles } from '@gpupool/platform';
import { downloadFileName } from './report-file-name';
import { reportFileDeleted, reportFileMissing, reportNotBuilt } from './reporting.errors';
import { ReportFormat, ReportStatus } from './settlement-report.entity';
import { SettlementReportService } from './settlement-report.service';

const CONTENT_TYPE: Record<ReportFormat, string> = {
  [ReportFormat.CSV]: 'text/csv; charset=utf-8',
  [ReportFormat.XLSX]: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/**
 * GET /reports/:id/download: the file of a SUCCEEDED report, for ADMIN and FINANCE keys
 * (ApiKeyGuard, as for GraphQL). 401 without a valid key, 403 for other roles, 429 over the key's
 * limits, 404 for an unknown report or one not SUCCEEDED yet, 410 REPORT_FILE_DELETED once its file
 * was removed after REPORTS_RETENTION_DAYS. Refusals are DomainErrors: the api answers them with
 * their code's status and `{ code, message }`.
 */
@Controller('reports')
@UseGuards(ApiKeyGuard)
@Roles(Role.ADMIN, Role.FINANCE)
export class ReportDownloadController {
  private readonly logger = new Logger(ReportDownloadController.name);

  constructor(
    private readonly reports: SettlementReportService,
    private readonly partners: PartnerService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get(':id/download')
  async download(@Param('id') id: string, @Res() res: Response): Promise<void> {
    const report = await this.reports.find(id);
    if (!report) throw new NotFoundError('Settlement report', id);
    if (report.status !== ReportStatus.SUCCEEDED || !report.fileName || !report.sha256) throw reportNotBuilt(id, report.status);
    if (report.fileDeletedAt) throw reportFileDeleted(id, report.fileDeletedAt, this.config.REPORTS_RETENTION_DAYS);
    const handle = await open(join(this.config.REPORTS_DIR, report.fileName), 'r').catch(() => null);
    if (!handle) {
      this.logger.error({ reportId: id, fileName: report.fileName }, 'report file missing from REPORTS_DIR');
      throw reportFileMissing(id);
    }
    try {
      const { size } = await handle.stat();
      const partner = report.partnerId ? (await this.partners.findByIds([report.partnerId]))[0] : undefined;
      res.status(200).set({
        'Content-Type': CONTENT_TYPE[report.format],
        'Content-Disposition': `attachment; filename="${downloadFileName(report, partner)}"`,
        'Content-Length': String(size),
        ETag: `"${report.sha256}"`,
        'x-checksum-sha256': report.sha256,
        'Cache-Control': 'private, no-cache',
      });
      await pipeline(handle.createReadStream({ autoClose: false }), res).catch((error: unknown) =>
        this.logger.warn({ reportId: id, err: error }, 'report download interrupted'),
      );
    } finally {
      await handle.close();
    }
  }
}
