export { SettlementSweep } from './settlement-sweep.service';
export { SETTLEMENT_ENTITIES, SETTLEMENT_RESOLVERS, SettlementApiModule, SettlementWorkerModule } from './settlement.module';
export { SETTLEMENT_BATCH } from './settlement.processor';
export { SettlementService } from './settlement.service';
export { fillsOfSettleJob, SETTLE_FILL_JOB, settleJobId } from './settlement-trigger';
export type { SettleFillJob } from './settlement-trigger';
