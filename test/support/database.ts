import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, migrate } from '@gpupool/platform';
import { MIGRATIONS } from '../../apps/migrations';

export const TEMPLATE_DATABASE = 'gpupool_test_template';

/** The Postgres server the suite runs on (set by `npm test`). */
export function serverUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the suite with `npm test`');
  return url;
}

export async function withAdminClient<T>(work: (client: Client) => Promise<T>, server = serverUrl()): Promise<T> {
  const client = new Client({ connectionString: server });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The URL of database `name` on the server at `server`. */
export function databaseUrl(server: string, name: string): string {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs every migration on the database at `url`. */
export async function migrateDatabase(url: string): Promise<void> {
  const dataSource = await new DataSource(dataSourceOptions(url, MIGRATIONS, [], 1)).initialize();
  try {
    await migrate(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

export interface TestDatabase {
  url: string;
  name: string;
  drop: () => Promise<void>;
}

/**
 * Creates database `name` on `server` (a copy of `template`, else empty; `strategy`, Postgres's way
 * of copying, when given); `drop` removes it.
 */
export async function createDatabase(
  server: string,
  name: string,
  template?: string,
  strategy?: 'WAL_LOG' | 'FILE_COPY',
): Promise<TestDatabase> {
  await withAdminClient(async (client) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}${strategy ? ` STRATEGY ${strategy}` : ''}`);
        return;
      } catch (error) {
        // Two files cloning the template at the same instant: try again shortly.
        if (attempt >= 20 || !/being accessed by other users/.test(String(error))) throw error;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  }, server);
  return {
    url: databaseUrl(server, name),
    name,
    drop: () => withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`), server).then(() => undefined),
  };
}

/** A fresh, migrated database for one test file. */
export function createTestDatabase(): Promise<TestDatabase> {
  return createDatabase(serverUrl(), `gpupool_test_${randomBytes(6).toString('hex')}`, TEMPLATE_DATABASE);
}

/** Undoes the migrations of `dataSource`, newest first, up to and including the one named `name` (its class's name). */
export async function undoMigrationsThrough(dataSource: DataSource, name: string): Promise<void> {
  const applied = async () => (await dataSource.query(`SELECT 1 FROM schema_migration WHERE name = $1`, [name])).length > 0;
  while (await applied()) await dataSource.undoLastMigration({ transaction: 'each' });
}
