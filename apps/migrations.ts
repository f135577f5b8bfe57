// Each lib's migrations by path, not through its barrel: a process that only migrates (the migrate
// job, the test setup) loads no domain code.
import { COMPLIANCE_MIGRATIONS } from '../libs/compliance/src/migrations';
import { IDENTITY_MIGRATIONS } from '../libs/identity/src/migrations';
import { INVENTORY_MIGRATIONS } from '../libs/inventory/src/migrations';
import { LEDGER_MIGRATIONS } from '../libs/ledger/src/migrations';
import { PLATFORM_MIGRATIONS } from '../libs/platform/src/database/migrations';
import { REPORTING_MIGRATIONS } from '../libs/reporting/src/migrations';
import { SETTLEMENT_MIGRATIONS } from '../libs/settlement/src/migrations';
import { TRADING_MIGRATIONS } from '../libs/trading/src/migrations';

/**
 * Every migration of every lib, for each process that migrates (api, worker, scripts, tests).
 * TypeORM runs them by timestamp: the foundation first, then the domains as they were written.
 */
export const MIGRATIONS = [
  ...PLATFORM_MIGRATIONS,
  ...IDENTITY_MIGRATIONS,
  ...LEDGER_MIGRATIONS,
  ...INVENTORY_MIGRATIONS,
  ...COMPLIANCE_MIGRATIONS,
  ...TRADING_MIGRATIONS,
  ...REPORTING_MIGRATIONS,
  ...SETTLEMENT_MIGRATIONS,
];
