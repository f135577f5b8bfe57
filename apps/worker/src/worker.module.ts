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

/** The worker: the same domain modules as the api, plus the BullMQ processors; no HTTP. */
@Module({
  imports: [
    PlatformModule,
    BusinessMetricsModule,
    IdentityModule,
    InventoryModule,
    LedgerModule,
    ComplianceModule,
    TradingWorkerModule,
    SettlementWorkerModule,
    ReportingWorkerModule,
  ],
  providers: [SweepProcessor],
})
export class WorkerModule {}
