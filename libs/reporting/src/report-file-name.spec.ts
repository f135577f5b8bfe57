import { downloadFileName, fileNamePart, fileNameTime } from './report-file-name';
import { checkReportPeriod } from './report-period';
import { ReportFormat } from './settlement-report.entity';

describe('report periods and file names', () => {
  const at = (iso: string) => new Date(iso);

  it('accepts a period of up to 366 days and refuses an empty, reversed or longer one', () => {
    expect(() => checkReportPeriod(at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:00.001Z'))).not.toThrow();
    expect(() => checkReportPeriod(at('2024-01-01T00:00:00Z'), at('2025-01-01T00:00:00Z'))).not.toThrow(); // 366 days
    expect(() => checkReportPeriod(at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'))).toThrow(/must be before to/);
    expect(() => checkReportPeriod(at('2026-02-01T00:00:00Z'), at('2026-01-01T00:00:00Z'))).toThrow(/must be before to/);
    expect(() => checkReportPeriod(at('2024-01-01T00:00:00Z'), at('2025-01-01T00:00:00.001Z'))).toThrow(/at most 366 days/);
  });

  it('names period bounds by day at midnight UTC, else to the second or millisecond', () => {
    expect(fileNameTime(at('2026-03-01T00:00:00Z'))).toBe('2026-03-01');
    expect(fileNameTime(at('2026-03-01T08:05:09Z'))).toBe('2026-03-01T080509Z');
    expect(fileNameTime(at('2026-03-01T08:05:09.042Z'))).toBe('2026-03-01T080509.042Z');
    expect(fileNameTime(at('2026-03-01T00:00:00+08:00'))).toBe('2026-02-28T160000Z');
  });

  it('keeps only letters, digits and dashes of a partner name', () => {
    expect(fileNamePart('Quote "Q", Comma, Inc.')).toBe('Quote-Q-Comma-Inc');
    expect(fileNamePart('Café Compute')).toBe('Cafe-Compute');
    expect(fileNamePart('北京算力')).toBe('');
  });

  it('names the download settlements_<from>_<to>[_<partner>].<ext>', () => {
    const report = { periodFrom: at('2026-01-01T00:00:00Z'), periodTo: at('2026-02-01T00:00:00Z'), format: ReportFormat.CSV };
    expect(downloadFileName(report)).toBe('settlements_2026-01-01_2026-02-01.csv');
    expect(downloadFileName({ ...report, format: ReportFormat.XLSX }, { id: 'p-1', name: 'Alpha "A", Ltd.' })).toBe(
      'settlements_2026-01-01_2026-02-01_Alpha-A-Ltd.xlsx',
    );
    expect(downloadFileName(report, { id: '6f1c', name: '北京算力' })).toBe('settlements_2026-01-01_2026-02-01_6f1c.csv');
  });
});
