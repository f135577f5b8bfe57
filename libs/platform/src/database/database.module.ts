import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { dataSourceOptions, migrate, Migration } from './data-source-options';

/** Present only in the api: its connections get DB_STATEMENT_TIMEOUT_MS (worker jobs wait on locks). */
export const API_STATEMENT_TIMEOUT = Symbol('API_STATEMENT_TIMEOUT');

/** Imported by the api module only: turns the statement timeout on for its data source. */
@Global()
@Module({ providers: [{ provide: API_STATEMENT_TIMEOUT, useValue: true }], exports: [API_STATEMENT_TIMEOUT] })
export class ApiStatementTimeoutModule {}

/** The module of each list of migrations, made once (`DatabaseModule.forRoot`). */
const modules = new WeakMap<readonly Migration[], DynamicModule>();

/**
 * The Postgres data source, migrated at boot with `migrations` (every domain's, listed by the
 * process); entities come from each domain's `TypeOrmModule.forFeature`.
 */
@Module({})
export class DatabaseModule {
  /**
   * One module per list of migrations: a process that loads both the api's and the worker's
   * modules (the tests, the benchmarks) declares the default data source once, not twice, which
   * TypeORM's registry would report as two data sources overriding each other.
   */
  static forRoot(migrations: readonly Migration[]): DynamicModule {
    const made = modules.get(migrations);
    if (made) return made;
    const module: DynamicModule = {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [APP_CONFIG, { token: API_STATEMENT_TIMEOUT, optional: true }],
          useFactory: (config: AppConfig, api?: boolean) => ({
            ...dataSourceOptions(config.DATABASE_URL, migrations, [], config.DB_POOL_SIZE, api ? config.DB_STATEMENT_TIMEOUT_MS : 0),
            autoLoadEntities: true,
          }),
          // Migrations run on a connection pool of their own, without the statement timeout.
          dataSourceFactory: async (options) => {
            const migrator = await new DataSource({ ...options!, extra: { max: 2, application_name: 'gpupool-migrate' } }).initialize();
            try {
              await migrate(migrator);
            } finally {
              await migrator.destroy();
            }
            return new DataSource(options!).initialize();
          },
        }),
      ],
    };
    modules.set(migrations, module);
    return module;
  }
}
