import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from './audit/audit.module';
import { ConfigModule } from './config/config.module';
import { Migration } from './database/data-source-options';
import { DatabaseModule } from './database/database.module';
import { DomainEventsModule } from './events/domain-events';
import { EventsModule } from './events/pubsub.module';
import { LoggingModule } from './logging/logging.module';
import { QueuesModule } from './queues/queues.module';

/**
 * What every process of GPU Pool stands on: config, logs, Postgres (migrated at boot with
 * `migrations`), BullMQ, events (Redis and in-process), audit.
 */
@Module({})
export class PlatformModule {
  static forRoot(migrations: readonly Migration[]): DynamicModule {
    const modules = [
      ConfigModule,
      LoggingModule,
      DatabaseModule.forRoot(migrations),
      QueuesModule,
      EventsModule,
      DomainEventsModule,
      AuditModule,
    ];
    return { module: PlatformModule, imports: modules, exports: modules };
  }
}
