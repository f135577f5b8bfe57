import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ApiModule } from '../../apps/api/src/api.module';
import { configureApi } from '../../apps/api/src/configure-api';
import { dataSourceOptions, migrate } from '@gpupool/platform';
import { processCpuSeconds } from './process-cpu';
import { MIGRATIONS } from '../../apps/migrations';

/** GraphQL against one api: throws on errors. */
export type Gql = <T = Record<string, any>>(key: string, query: string, variables?: Record<string, unknown>) => Promise<T>;

/** A scratch database of one benchmark, migrated, and the environment of an api or worker on it. */
export interface BenchDatabase {
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
  close: () => Promise<void>;
}

function serverUrl(): string {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('set BENCH_DATABASE_URL (or DATABASE_URL) to a Postgres server the benchmark may create a scratch database on');
  return url;
}

async function admin(work: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

/** Creates and migrates `gpupool_bench_<name>_<random>` on the benchmark's Postgres server. */
export async function createBenchDatabase(name: string): Promise<BenchDatabase> {
  const database = `gpupool_bench_${name}_${randomBytes(4).toString('hex')}`;
  await admin((db) => db.query(`CREATE DATABASE ${database}`));
  const url = new URL(serverUrl());
  url.pathname = `/${database}`;
  const migrator = await new DataSource(dataSourceOptions(url.toString(), MIGRATIONS, [], 1)).initialize();
  await migrate(migrator);
  await migrator.destroy();
  const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
  return {
    adminKey,
    env: {
      NODE_ENV: 'production',
      DATABASE_URL: url.toString(),
      REDIS_URL: process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: `bench${randomBytes(4).toString('hex')}`,
      BOOTSTRAP_ADMIN_KEY: adminKey,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_SECOND: '0',
    },
    drop: () => admin((db) => db.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)),
  };
}

export function gqlClient(base: string): Gql {
  return async <T>(key: string, query: string, variables?: Record<string, unknown>): Promise<T> => {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    if (body.errors) throw new Error(`${query.slice(0, 60)}… failed: ${JSON.stringify(body.errors)}`);
    return body.data!;
  };
}

/** The api in this process on a fresh scratch database (its services at hand through `app`), with `extraEnv` on top. */
export async function startBenchStack(name: string, extraEnv: Record<string, string> = {}): Promise<BenchStack> {
  const database = await createBenchDatabase(name);
  const env = { ...database.env, PORT: '0', WORKER_HTTP_PORT: '0', ...extraEnv };
  Object.assign(process.env, env);
  Logger.overrideLogger(['error']);
  const app = await NestFactory.create(ApiModule, { logger: ['error'], abortOnError: false });
  configureApi(app);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    url,
    adminKey: database.adminKey,
    env,
    dataSource: app.get(DataSource),
    app,
    ok: gqlClient(url),
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

/** A process started from the build, ready once `ready` answers true. */
export interface BenchProcess {
  url: string;
  /** CPU seconds the process has used so far. */
  cpuSeconds: () => number;
  stop: () => Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** Starts `node dist/<script>` with `env` and PORT, and waits until GET `probe` answers 200. */
export async function startProcess(script: string, env: Record<string, string>, probe = '/health'): Promise<BenchProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [...profileArgs(), join(__dirname, '..', '..', script)], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${script} exited with code ${child.exitCode}`);
    const up = await fetch(`${url}${probe}`, { headers: { 'apollo-require-preflight': 'true' } }).then(
      (r) => r.status < 500,
      () => false,
    );
    if (up) break;
    if (i > 300) throw new Error(`${script} did not answer on ${url}${probe} within 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    cpuSeconds: () => processCpuSeconds(child.pid!) ?? 0,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * With BENCH_CPU_PROFILE_DIR set, every process a benchmark starts writes a V8 CPU profile there
 * when it stops (open it in Chrome DevTools or speedscope).
 */
function profileArgs(): string[] {
  const dir = process.env.BENCH_CPU_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** A worker process started from the build (`dist/apps/worker/src/main.js`); resolves once it says it is ready. */
export async function startWorkerProcess(env: Record<string, string>): Promise<Omit<BenchProcess, 'url'>> {
  const child: ChildProcess = spawn(process.execPath, [...profileArgs(), join(__dirname, '..', '..', 'apps/worker/src/main.js')], {
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  await new Promise<void>((ready, fail) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`worker not ready within 60 s:\n${output}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-10_000);
      if (/worker ready/.test(output)) {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        ready();
      }
    });
    child.once('exit', (code) => fail(new Error(`worker exited with ${code}:\n${output}`)));
  });
  return {
    cpuSeconds: () => processCpuSeconds(child.pid!) ?? 0,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** BENCH_SCALE (default 1) times `full`, at least `min`. */
export function scaled(full: number, min: number): number {
  const scale = Number(process.env.BENCH_SCALE ?? '1');
  if (!(scale > 0)) throw new Error(`BENCH_SCALE must be a positive number (got ${process.env.BENCH_SCALE})`);
  return Math.max(min, Math.round(full * scale));
}

/** Creates a partner with a PARTNER key through the API. */
export async function benchPartner(ok: Gql, adminKey: string, name: string, countryCode = 'SG'): Promise<{ id: string; key: string }> {
  const { createPartner } = await ok<{ createPartner: { id: string } }>(
    adminKey,
    'mutation($i: CreatePartnerInput!) { createPartner(input: $i) { id } }',
    { i: { name, countryCode, creditLimit: '1000000000000000.00' } },
  );
  const { issueApiKey } = await ok<{ issueApiKey: { key: string } }>(
    adminKey,
    'mutation($i: IssueApiKeyInput!) { issueApiKey(input: $i) { key } }',
    {
      i: { role: 'PARTNER', partnerId: createPartner.id, label: `${name} desk` },
    },
  );
  return { id: createPartner.id, key: issueApiKey.key };
}
