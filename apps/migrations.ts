import { COMPLIANCE_MIGRATIONS } from '@gpupool/compliance';
import { INVENTORY_MIGRATIONS } from '@gpupool/inventory';
import { LEDGER_MIGRATIONS } from '@gpupool/ledger';
import { PLATFORM_MIGRATIONS } from '@gpupool/platform';
import { REPORTING_MIGRATIONS } from '@gpupool/reporting';
import { SETTLEMENT_MIGRATIONS } from '@gpupool/settlement';
import { TRADING_MIGRATIONS } from '@gpupool/trading';

/**
 * Every migration of every lib, for each process that migrates (api, worker, scripts, tests).
 * TypeORM runs them by timestamp: the foundation first, then the domains as they were written.
 */
export const MIGRATIONS = [
  ...PLATFORM_MIGRATIONS,
  ...LEDGER_MIGRATIONS,
  ...INVENTORY_MIGRATIONS,
  ...COMPLIANCE_MIGRATIONS,
  ...TRADING_MIGRATIONS,
  ...REPORTING_MIGRATIONS,
  ...SETTLEMENT_MIGRATIONS,
];
