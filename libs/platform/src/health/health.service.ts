import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

const CHECK_TIMEOUT_MS = 2000;

export type ServiceState = 'up' | 'down';

/** What every process's health check reports: whether Postgres and Redis answer. */
export interface ServiceHealth {
  postgres: ServiceState;
  redis: ServiceState;
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS).unref())]);
}

const state = (promise: Promise<unknown>): Promise<ServiceState> =>
  withTimeout(promise).then(
    () => 'up',
    () => 'down',
  );

/**
 * Pings Postgres (`SELECT 1` on the pool) and Redis (a connection of its own, so a check never
 * queues behind BullMQ's blocking commands), each within two seconds. Used by the api's /health
 * and the worker's.
 */
@Injectable()
export class HealthService implements OnModuleInit, OnModuleDestroy {
  private readonly redis: Redis;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    // While (re)connecting, a ping waits in the offline queue; the check's timeout bounds the wait.
    this.redis = new Redis(config.REDIS_URL, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      connectTimeout: CHECK_TIMEOUT_MS,
      retryStrategy: () => 500,
    });
    this.redis.on('error', () => undefined);
  }

  async onModuleInit(): Promise<void> {
    await withTimeout(this.redis.connect()).catch(() => undefined);
  }

  async services(): Promise<ServiceHealth> {
    const [postgres, redis] = await Promise.all([state(this.dataSource.query('SELECT 1')), state(this.redis.ping())]);
    return { postgres, redis };
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
