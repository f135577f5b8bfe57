import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { bigintCountTransformer, Decimal, decimalTransformer } from '@gpupool/platform';

export enum ReportFormat {
  CSV = 'CSV',
  XLSX = 'XLSX',
}

export enum ReportStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}

/**
 * An export of the settlements of a period [periodFrom, periodTo), optionally of one partner, as
 * a file built by a job. A SUCCEEDED report has its file, row count, totals and checksum.
 */
@Entity()
@Check('settlement_report_status', `status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED')`)
@Check('settlement_report_format', `format IN ('CSV', 'XLSX')`)
@Check('settlement_report_period', `period_from < period_to`)
@Check('settlement_report_progress', `progress_percent BETWEEN 0 AND 100`)
@Check('settlement_report_attempts', `attempts >= 0`)
@Check(
  'settlement_report_succeeded',
  `status <> 'SUCCEEDED' OR (row_count IS NOT NULL AND total_quantity IS NOT NULL AND total_net_amount IS NOT NULL AND ` +
    `total_tax_amount IS NOT NULL AND total_gross_amount IS NOT NULL AND total_cost_amount IS NOT NULL AND sha256 IS NOT NULL AND ` +
    `file_name IS NOT NULL AND finished_at IS NOT NULL)`,
)
@Index('settlement_report_pending', ['createdAt'], { where: `status IN ('QUEUED', 'RUNNING')` })
@Index('settlement_report_kept', ['finishedAt'], { where: `status = 'SUCCEEDED' AND file_deleted_at IS NULL` })
export class SettlementReport {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text', { default: ReportStatus.QUEUED }) status: ReportStatus;
  @Column('text') format: ReportFormat;
  @Column({ type: 'timestamptz', precision: 3 }) periodFrom: Date;
  @Column({ type: 'timestamptz', precision: 3 }) periodTo: Date;
  /** Named by string to keep reporting off identity's tables. */
  @ManyToOne('Partner', { nullable: true, onDelete: 'RESTRICT' }) partner: unknown;
  /** Null: every partner. */
  @Column('uuid', { nullable: true }) partnerId: string | null;
  /** The API key (finance or admin) that asked for it. */
  @ManyToOne('ApiKey', { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'requested_by' }) requester: unknown;
  @Column('uuid', { name: 'requested_by' }) requestedBy: string;
  @Column('int', { default: 0 }) progressPercent: number;
  @Column('int', { nullable: true }) rowCount: number | null;
  @Column('bigint', { nullable: true, transformer: bigintCountTransformer }) totalQuantity: number | null;
  @Column('numeric', { precision: 24, scale: 2, nullable: true, transformer: decimalTransformer }) totalNetAmount: Decimal | null;
  @Column('numeric', { precision: 24, scale: 2, nullable: true, transformer: decimalTransformer }) totalTaxAmount: Decimal | null;
  @Column('numeric', { precision: 24, scale: 2, nullable: true, transformer: decimalTransformer }) totalGrossAmount: Decimal | null;
  @Column('numeric', { precision: 24, scale: 2, nullable: true, transformer: decimalTransformer }) totalCostAmount: Decimal | null;
  /** Hex SHA-256 of the file's bytes. */
  @Column('char', { length: 64, nullable: true }) sha256: string | null;
  /** The file's name under REPORTS_DIR. */
  @Column('text', { nullable: true }) fileName: string | null;
  /** Why the last attempt failed, for a person to act on. */
  @Column('text', { nullable: true }) error: string | null;
  /** Attempts started; the running attempt owns the report while its number is current. */
  @Column('int', { default: 0 }) attempts: number;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt: Date;
  @Column({ type: 'timestamptz', precision: 3, nullable: true }) startedAt: Date | null;
  @Column({ type: 'timestamptz', precision: 3, nullable: true }) finishedAt: Date | null;
  /** When the file was removed, REPORTS_RETENTION_DAYS after the report finished; the report and its totals stay. */
  @Column({ type: 'timestamptz', precision: 3, nullable: true }) fileDeletedAt: Date | null;
}
