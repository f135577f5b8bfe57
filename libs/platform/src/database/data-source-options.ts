import { DataSource, DataSourceOptions, MixedList } from 'typeorm';
import { MIGRATIONS } from './migrations';
import { SnakeNamingStrategy } from './snake-naming.strategy';

// Unique within this application: serializes migrations between processes that start together.
const MIGRATION_LOCK = 7_345_001;

export function dataSourceOptions(
  url: string,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string> = [],
  poolSize = 10,
  statementTimeoutMs = 0,
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations: MIGRATIONS,
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
