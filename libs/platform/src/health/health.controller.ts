import { Controller, Get, Inject, OnModuleDestroy, OnModuleInit, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS).unref())]);
}

/** GET /health: 200 when Postgres and Redis both answer, else 503 naming what is down. */
@Controller('health')
export class HealthController implements OnModuleInit, OnModuleDestroy {
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

  @Get()
  async check(@Res() res: Response): Promise<void> {
    const [postgres, redis] = await Promise.all([
      withTimeout(this.dataSource.query('SELECT 1')).then(
        () => 'up',
        () => 'down',
      ),
      withTimeout(this.redis.ping()).then(
        () => 'up',
        () => 'down',
      ),
    ]);
    const ok = postgres === 'up' && redis === 'up';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', postgres, redis });
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
