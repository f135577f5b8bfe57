import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ComplianceModule } from '@gpupool/compliance';
import { IdentityModule } from '@gpupool/identity';
import { InventoryModule } from '@gpupool/inventory';
import { Fill } from './fill.entity';
import { FillRepository } from './fill.repository';
import { MatchingProcessor } from './matching.processor';
import { MatchingService } from './matching.service';
import { MatchRequests } from './match-requests.listener';
import { MatchTrigger } from './match-trigger';
import { OrderEvents } from './order-events';
import { OrderEnding } from './order-ending';
import { OrderQueryService } from './order-query.service';
import { OrderEventResolver, OrderResolver } from './order.resolver';
import { Order } from './order.entity';
import { OrderRepository } from './order.repository';
import { OrderService } from './order.service';
import { RestingFills } from './resting-fills';
import { TradingSweep } from './trading.sweep';

export const TRADING_ENTITIES = [Order, Fill];
export const TRADING_RESOLVERS = [OrderResolver, OrderEventResolver];

const imports = [TypeOrmModule.forFeature(TRADING_ENTITIES), IdentityModule, InventoryModule, ComplianceModule];
const services = [OrderService, OrderQueryService, OrderEnding, OrderEvents, MatchingService, MatchTrigger, TradingSweep, FillRepository];

/** Orders, matching and fills: services for api and worker, and the match runs of changed markets. */
@Module({ imports, providers: [...services, OrderRepository, RestingFills, MatchRequests], exports: services })
export class TradingModule {}

/** GraphQL for trading: only the api imports it. */
@Module({ imports: [TradingModule, IdentityModule], providers: TRADING_RESOLVERS })
export class TradingApiModule {}

/** The match processor: only the worker imports it. */
@Module({ imports: [TradingModule], providers: [MatchingProcessor], exports: [TradingModule] })
export class TradingWorkerModule {}
