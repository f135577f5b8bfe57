import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { keysetPage, Page } from '@gpupool/platform';
import { ReportTotals } from './report-totals';
import { ReportFormat, ReportStatus, SettlementReport } from './settlement-report.entity';

/** A report taken by an attempt: which attempt, and what to build. */
export interface ReportClaim {
  attempt: number;
  format: ReportFormat;
  from: Date;
  to: Date;
  partnerId: string | null;
}

/** What a successful attempt records. */
export interface BuiltReport {
  rowCount: number;
  totals: ReportTotals;
  sha256: string;
  fileName: string;
}

/**
 * The SQL of `settlement_report`. An attempt owns its report while `attempts` equals its number
 * and the report is RUNNING: every write of an attempt is conditional on that.
 */
@Injectable()
export class SettlementReportRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  insert(em: EntityManager, report: Pick<SettlementReport, 'format' | 'periodFrom' | 'periodTo' | 'partnerId' | 'requestedBy'>) {
    return em.save(em.create(SettlementReport, report));
  }

  byId(id: string): Promise<SettlementReport | null> {
    return this.dataSource.getRepository(SettlementReport).findOneBy({ id });
  }

  /** Newest request first, filtered. */
  page(
    filter: { status?: ReportStatus[] | null; partnerId?: string | null },
    first: number,
    after?: string | null,
  ): Promise<Page<SettlementReport>> {
    const query = this.dataSource.getRepository(SettlementReport).createQueryBuilder('r').where('TRUE');
    if (filter.partnerId) query.andWhere('r.partner_id = :partnerId', { partnerId: filter.partnerId });
    if (filter.status?.length) query.andWhere('r.status IN (:...status)', { status: filter.status });
    return keysetPage(query, 'r.created_at', (row) => row.createdAt, first, after);
  }

  /** Takes a QUEUED or RUNNING report for a new attempt; null when it is finished or unknown. */
  async claim(reportId: string): Promise<ReportClaim | null> {
    const [rows]: [{ attempts: number; format: ReportFormat; period_from: Date; period_to: Date; partner_id: string | null }[]] =
      await this.dataSource.query(
        `UPDATE settlement_report
            SET status = 'RUNNING', attempts = attempts + 1, progress_percent = 0, started_at = now(), finished_at = NULL, error = NULL
          WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')
          RETURNING attempts, format, period_from, period_to, partner_id`,
        [reportId],
      );
    const row = rows[0];
    return row ? { attempt: row.attempts, format: row.format, from: row.period_from, to: row.period_to, partnerId: row.partner_id } : null;
  }

  async recordProgress(reportId: string, attempt: number, percent: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE settlement_report SET progress_percent = $3 WHERE id = $1 AND attempts = $2 AND status = 'RUNNING'`,
      [reportId, attempt, percent],
    );
  }

  /** Locks the report FOR UPDATE if the attempt still owns it; false when it does not. */
  async lockOwned(em: EntityManager, reportId: string, attempt: number): Promise<boolean> {
    const owned: unknown[] = await em.query(
      `SELECT id FROM settlement_report WHERE id = $1 AND attempts = $2 AND status = 'RUNNING' FOR UPDATE`,
      [reportId, attempt],
    );
    return owned.length > 0;
  }

  async recordSucceeded(em: EntityManager, reportId: string, attempt: number, built: BuiltReport): Promise<void> {
    const sum = built.totals;
    await em.query(
      `UPDATE settlement_report
          SET status = 'SUCCEEDED', progress_percent = 100, row_count = $3, total_quantity = $4, total_net_amount = $5,
              total_tax_amount = $6, total_gross_amount = $7, total_cost_amount = $8, sha256 = $9, file_name = $10,
              error = NULL, finished_at = now()
        WHERE id = $1 AND attempts = $2`,
      [
        reportId,
        attempt,
        built.rowCount,
        sum.quantity,
        sum.netAmount.toFixed(2),
        sum.taxAmount.toFixed(2),
        sum.grossAmount.toFixed(2),
        sum.costAmount.toFixed(2),
        built.sha256,
        built.fileName,
      ],
    );
  }

  /** Records a failed attempt: FAILED (finished), or QUEUED again for a retry. */
  async recordFailure(reportId: string, attempt: number, status: ReportStatus.FAILED | ReportStatus.QUEUED, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE settlement_report
          SET status = $3, error = $4, progress_percent = 0, finished_at = CASE WHEN $3 = 'FAILED' THEN now() END
        WHERE id = $1 AND attempts = $2 AND status = 'RUNNING'`,
      [reportId, attempt, status, error],
    );
  }

  /** Reports QUEUED or RUNNING since longer than `stuckAfterMs`, oldest first, `limit` at most. */
  async pendingSince(stuckAfterMs: number, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM settlement_report
        WHERE status IN ('QUEUED', 'RUNNING') AND created_at < now() - make_interval(secs => $1::double precision / 1000)
        ORDER BY created_at LIMIT ${limit}`,
      [stuckAfterMs],
    );
    return rows.map((r) => r.id);
  }

  /** Reports that finished more than `days` ago and still hold a file, oldest first, `limit` at most. */
  expiredFiles(days: number, limit: number): Promise<{ id: string; file_name: string }[]> {
    return this.dataSource.query(
      `SELECT id, file_name FROM settlement_report
        WHERE status = 'SUCCEEDED' AND file_deleted_at IS NULL AND finished_at < now() - make_interval(days => $1)
        ORDER BY finished_at LIMIT ${limit}`,
      [days],
    );
  }

  async recordFilesDeleted(ids: readonly string[]): Promise<void> {
    await this.dataSource.query(`UPDATE settlement_report SET file_deleted_at = now() WHERE id = ANY($1::uuid[])`, [ids]);
  }
}
