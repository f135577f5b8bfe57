import { Module } from '@nestjs/common';
import { ComplianceModule } from '@gpupool/compliance';
import { IdentityModule } from '@gpupool/identity';
import { InventoryModule } from '@gpupool/inventory';
import { LedgerModule } from '@gpupool/ledger';
import { BusinessMetricsModule, PlatformModule } from '@gpupool/platform';
import { ReportingWorkerModule } from '@gpupool/reporting';
import { SettlementWorkerModule } from '@gpupool/settlement';
import { TradingWorkerModule } from '@gpupool/trading';
import { SweepProcessor } from './sweep.processor';
import { WorkerHealthModule } from './worker-health.module';
import { MIGRATIONS } from '../../migrations';

/** The worker: the same domain modules as the api, plus the BullMQ processors; no public HTTP, only its health port. */
@Module({
  imports: [
    PlatformModule.forRoot(MIGRATIONS),
    BusinessMetricsModule,
    IdentityModule,
    InventoryModule,
    LedgerModule,
    ComplianceModule,
    TradingWorkerModule,
    SettlementWorkerModule,
    ReportingWorkerModule,
    WorkerHealthModule,
  ],
  providers: [SweepProcessor],
})
export class WorkerModule {}
