import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions, migrate } from '@gpupool/platform';
import { TEMPLATE_DATABASE, serverUrl, withAdminClient } from './database';
import { MIGRATIONS } from '../../apps/migrations';

/** Migrates a template database once per run; each test file clones it (CREATE DATABASE … TEMPLATE). */
export default async function globalSetup(): Promise<void> {
  await withAdminClient(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  });
  const url = new URL(serverUrl());
  url.pathname = `/${TEMPLATE_DATABASE}`;
  const dataSource = await new DataSource(dataSourceOptions(url.toString(), MIGRATIONS, [], 1)).initialize();
  await migrate(dataSource);
  await dataSource.destroy();
}
