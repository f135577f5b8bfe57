import { IDENTITY_RESOLVERS } from '@gpupool/identity';
import { DateTimeScalar, DecimalScalar } from '@gpupool/platform';
import { AuditResolver } from './audit.resolver';

/** Every resolver the api serves; the schema printer builds `schema.gql` from the same list. */
export const API_RESOLVERS = [...IDENTITY_RESOLVERS, AuditResolver];
export const API_SCALARS = [DecimalScalar, DateTimeScalar];
