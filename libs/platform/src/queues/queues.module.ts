import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DEFAULT_JOB_OPTIONS, QueueName } from './queue-names';
import { FAIL_FAST_REDIS } from './fail-fast-redis';
import { bullmqTelemetry } from '../tracing/tracing';

const queues = Object.values(QueueName).map((name) => BullModule.registerQueue({ name }));

/** BullMQ on the configured Redis; every queue registered once, shared by api and worker. */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        // Producers fail fast while Redis is away (the caller logs it; the sweep re-queues from
        // Postgres) instead of holding a request until Redis returns.
        connection: { url: config.REDIS_URL, ...FAIL_FAST_REDIS },
        prefix: config.QUEUE_PREFIX,
        telemetry: bullmqTelemetry(),
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
    ...queues,
  ],
  exports: queues,
})
export class QueuesModule {}
