import { COMPLIANCE_ENTITIES } from '@gpupool/compliance';
import { IDENTITY_ENTITIES } from '@gpupool/identity';
import { INVENTORY_ENTITIES } from '@gpupool/inventory';
import { LEDGER_ENTITIES } from '@gpupool/ledger';
import { AuditEvent } from '@gpupool/platform';
import { REPORTING_ENTITIES } from '@gpupool/reporting';
import { SETTLEMENT_ENTITIES } from '@gpupool/settlement';
import { TRADING_ENTITIES } from '@gpupool/trading';

/** Every entity of every domain: for the migration generator and the schema drift test. */
export const ALL_ENTITIES = [
  AuditEvent,
  ...IDENTITY_ENTITIES,
  ...INVENTORY_ENTITIES,
  ...LEDGER_ENTITIES,
  ...COMPLIANCE_ENTITIES,
  ...TRADING_ENTITIES,
  ...SETTLEMENT_ENTITIES,
  ...REPORTING_ENTITIES,
];
