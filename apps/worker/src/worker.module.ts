import { Module } from '@nestjs/common';
import { IdentityModule } from '@gpupool/identity';
import { AuditModule, ConfigModule, DatabaseModule, LoggingModule, QueuesModule } from '@gpupool/platform';

/** The worker: the same domain modules as the api, plus the BullMQ processors; no HTTP. */
@Module({
  imports: [ConfigModule, LoggingModule, DatabaseModule, QueuesModule, AuditModule, IdentityModule],
})
export class WorkerModule {}
