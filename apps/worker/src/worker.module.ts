import { Module } from '@nestjs/common';
import { ComplianceModule } from '@gpupool/compliance';
import { IdentityModule } from '@gpupool/identity';
import { InventoryModule } from '@gpupool/inventory';
import { LedgerModule } from '@gpupool/ledger';
import { AuditModule, ConfigModule, DatabaseModule, EventsModule, LoggingModule, QueuesModule } from '@gpupool/platform';
import { TradingWorkerModule } from '@gpupool/trading';
import { SweepProcessor } from './sweep.processor';

/** The worker: the same domain modules as the api, plus the BullMQ processors; no HTTP. */
@Module({
  imports: [
    ConfigModule,
    LoggingModule,
    DatabaseModule,
    QueuesModule,
    EventsModule,
    AuditModule,
    IdentityModule,
    InventoryModule,
    LedgerModule,
    ComplianceModule,
    TradingWorkerModule,
  ],
  providers: [SweepProcessor],
})
export class WorkerModule {}
