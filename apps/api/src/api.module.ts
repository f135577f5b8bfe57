import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Inject, Injectable, Module, OnApplicationBootstrap } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { ComplianceApiModule } from '@gpupool/compliance';
import { ApiKeyGuard, ApiKeyGuardModule, ApiKeyService, IdentityApiModule, IdentityModule } from '@gpupool/identity';
import { InventoryApiModule } from '@gpupool/inventory';
import { LedgerApiModule } from '@gpupool/ledger';
import { ReportingApiModule } from '@gpupool/reporting';
import { SettlementApiModule } from '@gpupool/settlement';
import { TradingApiModule } from '@gpupool/trading';
import {
  APP_CONFIG,
  ApiStatementTimeoutModule,
  AppConfig,
  HealthModule,
  InputValidationPipe,
  MetricsModule,
  PlatformModule,
  QUEUE_RESOLVERS,
  RequestLimiter,
  RolesGuard,
} from '@gpupool/platform';
import { AuditResolver } from './audit.resolver';
import { ConsoleStaticModule } from './console';
import { graphqlOptions } from './graphql.config';
import { DomainErrorFilter } from './http-errors';
import { API_SCALARS } from './resolvers';
import { MIGRATIONS } from '../../migrations';

@Injectable()
class BootstrapAdmin implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: ApiKeyService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.BOOTSTRAP_ADMIN_KEY) await this.keys.ensureBootstrapAdmin(this.config.BOOTSTRAP_ADMIN_KEY);
  }
}

@Module({
  imports: [
    ApiStatementTimeoutModule,
    PlatformModule.forRoot(MIGRATIONS),
    HealthModule,
    MetricsModule,
    IdentityModule,
    ApiKeyGuardModule,
    IdentityApiModule,
    InventoryApiModule,
    LedgerApiModule,
    ComplianceApiModule,
    TradingApiModule,
    SettlementApiModule,
    ReportingApiModule,
    ConsoleStaticModule,
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      imports: [IdentityModule, ApiKeyGuardModule],
      inject: [APP_CONFIG, ApiKeyService, ApiKeyGuard, RequestLimiter],
      useFactory: graphqlOptions,
    }),
  ],
  providers: [
    ...API_SCALARS,
    AuditResolver,
    ...QUEUE_RESOLVERS,
    BootstrapAdmin,
    { provide: APP_GUARD, useClass: RolesGuard },
    { provide: APP_PIPE, useClass: InputValidationPipe },
    { provide: APP_FILTER, useClass: DomainErrorFilter },
  ],
})
export class ApiModule {}
