import { Reporting1795922765485 } from './1795922765485-Reporting';
import { ReportRetention1795990000002 } from './1795990000002-ReportRetention';

/** The reporting tables' migrations, oldest first. */
export const REPORTING_MIGRATIONS = [Reporting1795922765485, ReportRetention1795990000002];
