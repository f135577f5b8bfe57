export { Fill } from './fill.entity';
export { MatchingService } from './matching.service';
export { OrderService } from './order.service';
export { TradingSweep } from './sweep.service';
export { TradingErrorCode } from './trading.errors';
export { FillModel, TimeInForce } from './trading.models';
export { TRADING_ENTITIES, TRADING_RESOLVERS, TradingApiModule, TradingModule, TradingWorkerModule } from './trading.module';
export { FillsCommitted } from './fills-committed.event';
