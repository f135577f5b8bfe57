import { Settlement1795922832449 } from './1795922832449-Settlement';
import { SettlementSweepMark1795990000001 } from './1795990000001-SettlementSweepMark';

/** The settlement tables' migrations, oldest first. */
export const SETTLEMENT_MIGRATIONS = [Settlement1795922832449, SettlementSweepMark1795990000001];
