export { SettlementSweep } from './settlement.sweep';
export { settledRowsQuery, settledTotalsQuery, SETTLED_ROW_COLUMNS } from './settled-rows.query';
export type { SettledRowHeader, SettledRowsScope } from './settled-rows.query';
export { SETTLEMENT_ENTITIES, SETTLEMENT_RESOLVERS, SettlementApiModule, SettlementWorkerModule } from './settlement.module';
export { SETTLEMENT_BATCH } from './settlement.processor';
export { SettlementService } from './settlement.service';
export { fillsOfSettleJob, SETTLE_FILL_JOB, settleJobId } from './settlement-trigger';
export type { SettleFillJob } from './settlement-trigger';
