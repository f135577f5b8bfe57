import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { dataSourceOptions, migrate } from './data-source-options';

/** The Postgres data source; entities come from each domain's `TypeOrmModule.forFeature`. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.DATABASE_URL, [], config.DB_POOL_SIZE, config.DB_STATEMENT_TIMEOUT_MS),
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
})
export class DatabaseModule {}
