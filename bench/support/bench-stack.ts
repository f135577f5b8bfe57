import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { INestApplication, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createDatabase, migrateDatabase, TestDatabase } from '../../test/support/database';
import { Gql, okClient } from '../../test/support/graphql-client';
import { startApiApp } from '../../test/support/stack';

/** Where `npm run bench` keeps its services' data and `results.json`: BENCH_DATA_DIR, default .data/bench. */
export const benchDataDir = (): string => process.env.BENCH_DATA_DIR ?? '.data/bench';

/** The data folder of the benchmarks' embedded Postgres, by which a benchmark finds its processes to read their CPU. */
export const benchPostgresDir = (): string => resolve(benchDataDir(), 'postgres');

/** A partner's credit limit in the benchmarks: never the limit of a run. */
export const BENCH_CREDIT_LIMIT = '1000000000000000.00';

/** A scratch database of one benchmark, migrated, and the environment of an api or worker on it. */
export interface BenchDatabase {
  name: string;
  env: Record<string, string>;
  adminKey: string;
  drop: () => Promise<void>;
}

/** An api on a scratch database of its own. */
export interface BenchStack {
  url: string;
  adminKey: string;
  /** The environment the api booted with (DATABASE_URL of the scratch database, REDIS_URL, QUEUE_PREFIX…). */
  env: Record<string, string>;
  dataSource: DataSource;
  app: INestApplication;
  ok: Gql;
  /** Stops the api and gives the process its environment back; the database stays. */
  stop: () => Promise<void>;
  /** Stops the api and drops its database. */
  close: () => Promise<void>;
}

function serverUrl(): string {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('set BENCH_DATABASE_URL (or DATABASE_URL) to a Postgres server the benchmark may create a scratch database on');
  return url;
}

/** Creates and migrates `gpupool_bench_<name>_<random>` on the benchmark's Postgres server. */
export async function createBenchDatabase(name: string): Promise<BenchDatabase> {
  const database = await createDatabase(serverUrl(), `gpupool_bench_${name}_${randomBytes(4).toString('hex')}`);
  await migrateDatabase(database.url);
  return benchDatabase(database, `bench-admin-${randomBytes(16).toString('hex')}`);
}

/**
 * A copy of `source`, made by copying its files (`STRATEGY FILE_COPY`), so every copy starts from
 * the same rows on the same pages: what one measurement writes and leaves behind (rows rolled
 * back, dead versions) never lies in the way of the next. Nothing may be connected to `source`
 * meanwhile.
 */
export async function copyBenchDatabase(source: BenchDatabase): Promise<BenchDatabase> {
  const copy = await createDatabase(serverUrl(), `${source.name}_${randomBytes(3).toString('hex')}`, source.name, 'FILE_COPY');
  return benchDatabase(copy, source.adminKey);
}

function benchDatabase(database: TestDatabase, adminKey: string): BenchDatabase {
  return {
    name: database.name,
    adminKey,
    env: {
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      REDIS_URL: process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: `bench${randomBytes(4).toString('hex')}`,
      BOOTSTRAP_ADMIN_KEY: adminKey,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_SECOND: '0',
    },
    drop: database.drop,
  };
}

/** The api in this process on a fresh scratch database (its services at hand through `app`), with `extraEnv` on top. */
export async function startBenchStack(name: string, extraEnv: Record<string, string> = {}): Promise<BenchStack> {
  return startBenchApp(await createBenchDatabase(name), extraEnv);
}

/** The api in this process on `database`, with `extraEnv` on top. */
export async function startBenchApp(database: BenchDatabase, extraEnv: Record<string, string> = {}): Promise<BenchStack> {
  const env = { ...database.env, PORT: '0', WORKER_HTTP_PORT: '0', ...extraEnv };
  Logger.overrideLogger(['error']);
  const { app, url, restoreEnv } = await startApiApp(env, ['error']);
  const stop = async () => {
    await app.close();
    restoreEnv();
  };
  return {
    url,
    adminKey: database.adminKey,
    env,
    dataSource: app.get(DataSource),
    app,
    ok: okClient(url),
    stop,
    close: async () => {
      await stop();
      await database.drop();
    },
  };
}

/** BENCH_SCALE (default 1) times `full`, at least `min`. */
export function scaled(full: number, min: number): number {
  const scale = Number(process.env.BENCH_SCALE ?? '1');
  if (!(scale > 0)) throw new Error(`BENCH_SCALE must be a positive number (got ${process.env.BENCH_SCALE})`);
  return Math.max(min, Math.round(full * scale));
}
