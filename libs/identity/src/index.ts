export * from './api-key.entity';
export * from './api-key.service';
export * from './identity.errors';
export * from './identity.models';
export * from './identity.module';
export * from './identity.resolver';
export * from './partner.entity';
export * from './partner.service';
