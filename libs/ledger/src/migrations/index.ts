import { Ledger1795921394602 } from './1795921394602-Ledger';
import { LedgerBalances1795990000000 } from './1795990000000-LedgerBalances';
import { LedgerStatementChecks1796300000000 } from './1796300000000-LedgerStatementChecks';
import { LedgerBalancesAtCommit1796700000000 } from './1796700000000-LedgerBalancesAtCommit';
import { LedgerEntriesClosedAtCommit1796800000000 } from './1796800000000-LedgerEntriesClosedAtCommit';

/** The ledger tables' migrations, oldest first. */
export const LEDGER_MIGRATIONS = [
  Ledger1795921394602,
  LedgerBalances1795990000000,
  LedgerStatementChecks1796300000000,
  LedgerBalancesAtCommit1796700000000,
  LedgerEntriesClosedAtCommit1796800000000,
];
