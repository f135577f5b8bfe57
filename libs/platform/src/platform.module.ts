import { Module } from '@nestjs/common';
import { AuditModule } from './audit/audit.module';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/pubsub.module';
import { LoggingModule } from './logging/logging.module';
import { QueuesModule } from './queues/queues.module';

const modules = [ConfigModule, LoggingModule, DatabaseModule, QueuesModule, EventsModule, AuditModule];

/** What every process of GPU Pool stands on: config, logs, Postgres, BullMQ, events, audit. */
@Module({ imports: modules, exports: modules })
export class PlatformModule {}
