import { ReportFormat } from './settlement-report.entity';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A period bound in a file name: 2026-01-31 at midnight UTC, else 2026-01-31T120500Z (with .123 for milliseconds). */
export function fileNameTime(at: Date): string {
  const day = `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`;
  if (at.getTime() % 86_400_000 === 0) return day;
  const ms = at.getUTCMilliseconds() ? `.${pad(at.getUTCMilliseconds(), 3)}` : '';
  return `${day}T${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}${ms}Z`;
}

/** Letters, digits and dashes of a name: "Quote \"Q\", Comma, Inc." → "Quote-Q-Comma-Inc". */
export function fileNamePart(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
}

export const extensionOf = (format: ReportFormat) => format.toLowerCase();

/**
 * The name a download is saved as: settlements_<from>_<to>[_<partner>].csv|xlsx, with the
 * partner's name reduced to letters, digits and dashes (its id when nothing is left).
 */
export function downloadFileName(
  report: { periodFrom: Date; periodTo: Date; format: ReportFormat },
  partner?: { id: string; name: string },
): string {
  const who = partner ? `_${fileNamePart(partner.name) || partner.id}` : '';
  return `settlements_${fileNameTime(report.periodFrom)}_${fileNameTime(report.periodTo)}${who}.${extensionOf(report.format)}`;
}
