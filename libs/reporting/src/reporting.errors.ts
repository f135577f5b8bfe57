import { DomainError, ErrorCode } from '@gpupool/platform';

/** Reporting's own codes. */
export enum ReportingErrorCode {
  /** A report's file was removed after REPORTS_RETENTION_DAYS; request the report again. */
  REPORT_FILE_DELETED = 'REPORT_FILE_DELETED',
}

export class ReportingError extends DomainError<ReportingErrorCode | ErrorCode> {}

export const reportNotBuilt = (id: string, status: string) =>
  new ReportingError(ErrorCode.NOT_FOUND, `Settlement report ${id} is ${status}; its file can be downloaded once it is SUCCEEDED`);
export const reportFileDeleted = (id: string, deletedAt: Date, retentionDays: number) =>
  new ReportingError(
    ReportingErrorCode.REPORT_FILE_DELETED,
    `The file of settlement report ${id} was removed on ${deletedAt.toISOString()}, ${retentionDays} days after it was built; request the report again`,
  );
export const reportFileMissing = (id: string) =>
  new ReportingError(ErrorCode.NOT_FOUND, `The file of settlement report ${id} is no longer on this server; request the report again`);
