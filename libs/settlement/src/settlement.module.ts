import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityModule } from '@gpupool/identity';
import { InventoryModule } from '@gpupool/inventory';
import { LedgerModule } from '@gpupool/ledger';
import { TradingModule } from '@gpupool/trading';
import { SalesSeriesResolver } from './sales-series.resolver';
import { SalesSeriesService } from './sales-series.service';
import { SettlementProcessor } from './settlement.processor';
import { SettlementQueryService } from './settlement-query.service';
import { FillSettlementResolver, SettlementResolver } from './settlement.resolver';
import { Settlement } from './settlement.entity';
import { SettlementRepository } from './settlement.repository';
import { SettlementSweepMark } from './settlement-sweep-mark.entity';
import { SettlementSweepMarkRepository } from './settlement-sweep-mark.repository';
import { SettlementService } from './settlement.service';
import { SettlementMetrics } from './settlement.metrics';
import { SettlementSweep } from './settlement.sweep';
import { SettlementRequests } from './settlement-requests.listener';
import { SettlementTrigger } from './settlement-trigger';

export const SETTLEMENT_ENTITIES = [Settlement, SettlementSweepMark];
export const SETTLEMENT_RESOLVERS = [SettlementResolver, FillSettlementResolver, SalesSeriesResolver];

const imports = [TypeOrmModule.forFeature(SETTLEMENT_ENTITIES), TradingModule, LedgerModule, IdentityModule, InventoryModule];
const services = [SettlementService, SettlementQueryService, SettlementTrigger, SettlementSweep, SalesSeriesService];
const repositories = [SettlementRepository, SettlementSweepMarkRepository];

/** Settlement of fills: services for api and worker, and the settlement of committed fills. */
@Module({ imports, providers: [...services, ...repositories, SettlementRequests, SettlementMetrics], exports: services })
export class SettlementModule {}

/** GraphQL for settlements: only the api imports it. */
@Module({ imports: [SettlementModule], providers: SETTLEMENT_RESOLVERS })
export class SettlementApiModule {}

/** The settle processor: only the worker imports it. */
@Module({ imports: [SettlementModule], providers: [SettlementProcessor], exports: [SettlementModule] })
export class SettlementWorkerModule {}
