import { randomBytes } from 'node:crypto';
import { INestApplication, INestApplicationContext, LogLevel, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { ApiModule } from '../../apps/api/src/api.module';
import { configureApi } from '../../apps/api/src/configure-api';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { createTestDatabase, TestDatabase } from './database';
import { GraphQLResponse, Operation, postGraphQL } from './graphql-client';
import { TcpProxy } from './tcp-proxy';

export interface StackOptions {
  /** Also run a worker (BullMQ processors) in this process. */
  worker?: boolean;
  /** Extra environment for the apps (e.g. REDIS_URL through a proxy). */
  env?: Record<string, string>;
  /** Rewrites the app's DATABASE_URL (e.g. through a proxy); the test database itself is unchanged. */
  databaseVia?: (url: string) => string;
}

/** What an api + worker on a fresh database looks like to a test. */
export interface TestStack {
  url: string;
  adminKey: string;
  db: TestDatabase;
  env: Record<string, string>;
  dataSource: DataSource;
  /** A provider of the api app, e.g. a domain service to set up state inside a test's own transaction. */
  get: <T>(type: Type<T>) => T;
  gql: <T = Record<string, any>, V = Record<string, unknown>>(
    key: string | undefined,
    operation: Operation<T, V>,
    variables?: V,
  ) => Promise<GraphQLResponse<T>>;
  close: () => Promise<void>;
}

/** The Redis the suite runs on, in a database index of its own for each Jest worker. */
export function testRedisUrl(): string {
  const base = process.env.TEST_REDIS_URL;
  if (!base) throw new Error('TEST_REDIS_URL is not set: run the suite with `npm test`');
  const url = new URL(base);
  url.pathname = `/${Number(process.env.JEST_WORKER_ID ?? 1)}`;
  return url.toString();
}

/** Environment for an api or worker process of this test file (config is read from it at boot). */
export function stackEnv(db: TestDatabase, adminKey: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`,
    BOOTSTRAP_ADMIN_KEY: adminKey,
    LOG_LEVEL: 'silent',
    DB_POOL_SIZE: '8',
    // The suite's own checks run long queries on the api's data source; tests of the timeout set it.
    DB_STATEMENT_TIMEOUT_MS: '0',
    PORT: '0',
    WORKER_HTTP_PORT: '0',
    ...extra,
  };
}

/**
 * Sets `env` into process.env (where the apps read their config at boot) and answers the function
 * that puts back what was there, so that one stack's settings never reach the next stack of a file.
 */
export function setProcessEnv(env: Record<string, string>): () => void {
  const before = Object.entries(env).map(([name]) => [name, process.env[name]] as const);
  Object.assign(process.env, env);
  return () => {
    for (const [name, value] of before) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** The api app in this process on `env` (see setProcessEnv), listening on a free port. */
export async function startApiApp(
  env: Record<string, string>,
  logger: LogLevel[] | false = false,
): Promise<{ app: INestApplication; url: string; restoreEnv: () => void }> {
  const restoreEnv = setProcessEnv(env);
  const app = await NestFactory.create(ApiModule, { logger, abortOnError: false });
  configureApi(app);
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1'), restoreEnv };
}

/** Boots the api (on a free port) and optionally a worker, in-process, on a fresh database. */
export async function startStack(options: StackOptions = {}): Promise<TestStack> {
  const db = await createTestDatabase();
  const adminKey = `admin-${randomBytes(16).toString('hex')}`;
  const env = stackEnv(db, adminKey, options.env);
  if (options.databaseVia) env.DATABASE_URL = options.databaseVia(db.url);
  const { app: api, url, restoreEnv } = await startApiApp(env);
  const worker: INestApplicationContext | undefined = options.worker
    ? await NestFactory.createApplicationContext(WorkerModule, { logger: false, abortOnError: false }).then((w) => w.init())
    : undefined;
  return {
    url,
    adminKey,
    db,
    env,
    dataSource: api.get(DataSource),
    get: (type) => api.get(type),
    gql: (key, operation, variables) => postGraphQL(url, key, operation, variables),
    close: async () => {
      await worker?.close();
      await api.close();
      await db.drop();
      restoreEnv();
    },
  };
}

/** A stack whose apps reach Postgres and Redis through TCP proxies a test can cut. */
export interface ProxiedStack {
  stack: TestStack;
  postgresProxy: TcpProxy;
  redisProxy: TcpProxy;
}

/** Starts a stack behind a Postgres proxy and a Redis proxy (the test database is reached directly by the test). */
export async function startStackBehindProxies(options: Omit<StackOptions, 'databaseVia'> = {}): Promise<ProxiedStack> {
  const redis = new URL(testRedisUrl());
  const redisProxy = await new TcpProxy(redis.hostname, Number(redis.port || 6379)).open();
  // Where the test databases live: a probe database's host and port.
  const probe = await createTestDatabase();
  await probe.drop();
  const pg = new URL(probe.url);
  const postgresProxy = await new TcpProxy(pg.hostname, Number(pg.port || 5432)).open();
  const stack = await startStack({
    ...options,
    env: { REDIS_URL: redisProxy.via(testRedisUrl()), ...options.env },
    databaseVia: (url) => postgresProxy.via(url),
  });
  return { stack, postgresProxy, redisProxy };
}
