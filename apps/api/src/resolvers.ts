import { COMPLIANCE_RESOLVERS } from '@gpupool/compliance';
import { IDENTITY_RESOLVERS } from '@gpupool/identity';
import { INVENTORY_RESOLVERS } from '@gpupool/inventory';
import { LEDGER_RESOLVERS } from '@gpupool/ledger';
import { DateTimeScalar, DecimalScalar, QUEUE_RESOLVERS } from '@gpupool/platform';
import { REPORTING_RESOLVERS } from '@gpupool/reporting';
import { SETTLEMENT_RESOLVERS } from '@gpupool/settlement';
import { TRADING_RESOLVERS } from '@gpupool/trading';
import { AuditResolver } from './audit.resolver';

/** Every resolver the api serves; the schema printer builds `schema.gql` from the same list. */
export const API_RESOLVERS = [
  ...IDENTITY_RESOLVERS,
  ...INVENTORY_RESOLVERS,
  ...LEDGER_RESOLVERS,
  ...COMPLIANCE_RESOLVERS,
  ...TRADING_RESOLVERS,
  ...SETTLEMENT_RESOLVERS,
  ...REPORTING_RESOLVERS,
  AuditResolver,
  ...QUEUE_RESOLVERS,
];
export const API_SCALARS = [DecimalScalar, DateTimeScalar];
