import { DataSource, DataSourceOptions, MigrationInterface, MixedList } from 'typeorm';
import { SnakeNamingStrategy } from './snake-naming.strategy';

/** A migration class, as each lib's `migrations/index.ts` lists them. */
export type Migration = new () => MigrationInterface;

// Unique within this application: serializes migrations between processes that start together.
const MIGRATION_LOCK = 7_345_001;

/**
 * `migrations`: every domain's migrations (each lib exports its own; the processes that migrate
 * list them all). TypeORM runs them in the order of their timestamps, the foundation first.
 */
export function dataSourceOptions(
  url: string,
  migrations: readonly Migration[],
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string> = [],
  poolSize = 10,
  statementTimeoutMs = 0,
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations: [...migrations],
    migrationsTableName: 'schema_migration',
    synchronize: false,
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    namingStrategy: new SnakeNamingStrategy(),
    // migrate() holds one connection for its lock while the migrations use another. A statement
    // running longer than statementTimeoutMs is cancelled by Postgres (0: no limit).
    extra: { max: Math.max(2, poolSize), application_name: 'gpupool', statement_timeout: statementTimeoutMs || undefined },
  };
}

/** Runs pending migrations, one process at a time (a session-level advisory lock). */
export async function migrate(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}
