import { Foundation1795919690609 } from './1795919690609-Foundation';
import { Ledger1795921394602 } from './1795921394602-Ledger';
import { Inventory1795921570352 } from './1795921570352-Inventory';
import { Compliance1795921843009 } from './1795921843009-Compliance';
import { Trading1795921920116 } from './1795921920116-Trading';
import { Reporting1795922765485 } from './1795922765485-Reporting';
import { Settlement1795922832449 } from './1795922832449-Settlement';
import { OpenOrderIndexes1795930000000 } from './1795930000000-OpenOrderIndexes';
import { LedgerBalances1795990000000 } from './1795990000000-LedgerBalances';
import { SettlementSweepMark1795990000001 } from './1795990000001-SettlementSweepMark';
import { ReportRetention1795990000002 } from './1795990000002-ReportRetention';

/** Every migration, in order. */
export const MIGRATIONS = [
  Foundation1795919690609,
  Ledger1795921394602,
  Inventory1795921570352,
  Compliance1795921843009,
  Trading1795921920116,
  Reporting1795922765485,
  Settlement1795922832449,
  OpenOrderIndexes1795930000000,
  LedgerBalances1795990000000,
  SettlementSweepMark1795990000001,
  ReportRetention1795990000002,
];
