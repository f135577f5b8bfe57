export { ApiKeyGuard, ApiKeyGuardModule } from './api-key.guard';
export { ApiKeyService, bearerToken } from './api-key.service';
export { creditRefusal, IdentityErrorCode, InsufficientCreditError } from './identity.errors';
export { PartnerModel, PrincipalModel } from './identity.models';
export { IDENTITY_ENTITIES, IDENTITY_RESOLVERS, IdentityApiModule, IdentityModule } from './identity.module';
export { partnerLoader, principalLoader } from './identity.resolver';
export { PartnerCreditService } from './partner-credit.service';
export { Partner } from './partner.entity';
export { PartnerService } from './partner.service';
