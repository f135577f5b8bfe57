import 'reflect-metadata';
import { databaseUrl, migrateDatabase, serverUrl, TEMPLATE_DATABASE, withAdminClient } from './database';

/** Migrates a template database once per run; each test file clones it (CREATE DATABASE … TEMPLATE). */
export default async function globalSetup(): Promise<void> {
  await withAdminClient(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  });
  await migrateDatabase(databaseUrl(serverUrl(), TEMPLATE_DATABASE));
}
