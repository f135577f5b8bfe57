import { Compliance1795921843009 } from './1795921843009-Compliance';
import { ExportReservation1796200000001 } from './1796200000001-ExportReservation';

/** The compliance tables' migrations, oldest first. */
export const COMPLIANCE_MIGRATIONS = [Compliance1795921843009, ExportReservation1796200000001];
