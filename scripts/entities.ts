import { IDENTITY_ENTITIES } from '@gpupool/identity';
import { AuditEvent } from '@gpupool/platform';

/** Every entity of every domain: for the migration generator and the schema drift test. */
export const ALL_ENTITIES = [AuditEvent, ...IDENTITY_ENTITIES];
