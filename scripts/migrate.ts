// `npm run migrate` / `node dist/scripts/migrate.js`: runs the pending migrations on DATABASE_URL and
// exits; what the deployment's migration step (compose `migrate`, the Kubernetes Job) runs before
// the api and workers start. (Every process also migrates at boot, under the same lock.)
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions, loadConfig, migrate } from '@gpupool/platform';
import { MIGRATIONS } from '../apps/migrations';

async function main(): Promise<void> {
  const config = loadConfig();
  const dataSource = await new DataSource(dataSourceOptions(config.DATABASE_URL, MIGRATIONS)).initialize();
  try {
    await migrate(dataSource);
    const applied: { n: number }[] = await dataSource.query('SELECT count(*)::int AS n FROM schema_migration');
    console.log(`migrations applied: ${applied[0].n}`);
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
