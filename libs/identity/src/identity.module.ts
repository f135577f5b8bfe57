import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKey } from './api-key.entity';
import { ApiKeyService } from './api-key.service';
import { PrincipalResolver, PartnerResolver } from './identity.resolver';
import { PartnerCreditService } from './partner-credit.service';
import { Partner } from './partner.entity';
import { PartnerService } from './partner.service';

export const IDENTITY_ENTITIES = [Partner, ApiKey];
export const IDENTITY_RESOLVERS = [PrincipalResolver, PartnerResolver];

@Module({
  imports: [TypeOrmModule.forFeature(IDENTITY_ENTITIES)],
  providers: [ApiKeyService, PartnerService, PartnerCreditService],
  exports: [ApiKeyService, PartnerService, PartnerCreditService],
})
export class IdentityModule {}

/** GraphQL for identity: only the api imports it. */
@Module({
  imports: [IdentityModule],
  providers: IDENTITY_RESOLVERS,
})
export class IdentityApiModule {}
