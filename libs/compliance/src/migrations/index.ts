import { Compliance1795921843009 } from './1795921843009-Compliance';

/** The compliance tables' migrations, oldest first. */
export const COMPLIANCE_MIGRATIONS = [Compliance1795921843009];
