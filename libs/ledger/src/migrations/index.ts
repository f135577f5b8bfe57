import { Ledger1795921394602 } from './1795921394602-Ledger';
import { LedgerBalances1795990000000 } from './1795990000000-LedgerBalances';

/** The ledger tables' migrations, oldest first. */
export const LEDGER_MIGRATIONS = [Ledger1795921394602, LedgerBalances1795990000000];
