import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from './audit/audit.module';
import { ConfigModule } from './config/config.module';
import { Migration } from './database/data-source-options';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/pubsub.module';
import { LoggingModule } from './logging/logging.module';
import { QueuesModule } from './queues/queues.module';

/**
 * What every process of GPU Pool stands on: config, logs, Postgres (migrated at boot with
 * `migrations`), BullMQ, events, audit.
 */
@Module({})
export class PlatformModule {
  static forRoot(migrations: readonly Migration[]): DynamicModule {
    const modules = [ConfigModule, LoggingModule, DatabaseModule.forRoot(migrations), QueuesModule, EventsModule, AuditModule];
    return { module: PlatformModule, imports: modules, exports: modules };
  }
}
