import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDemoData } from './demo-data';
import { provisionPostgres, provisionRedis, Provisioned } from './provision';

const DATA_DIR = resolve('.data');
const EMBEDDED_POSTGRES_PORT = 54320;
const FALLBACK_REDIS_PORT = 6380;

/** The admin key: BOOTSTRAP_ADMIN_KEY, else one generated once and kept in .data/admin-key. */
function adminKey(): string {
  if (process.env.BOOTSTRAP_ADMIN_KEY) return process.env.BOOTSTRAP_ADMIN_KEY;
  const file = join(DATA_DIR, 'admin-key');
  if (!existsSync(file)) writeFileSync(file, `gpk_admin_${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

function run(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const log = createWriteStream(join(DATA_DIR, 'logs', `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk}`));
  return child;
}

async function waitForHealth(url: string, api: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (api.exitCode !== null) throw new Error(`the api exited with code ${api.exitCode}; see .data/logs/api.log`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the api did not become healthy within 60 s; see .data/logs/api.log');
}

/**
 * `npm start`: Postgres (DATABASE_URL or embedded) and Redis (REDIS_URL, localhost:6379, or a
 * redis-server from the PATH), migrations and demo data on first start, then one api and one
 * worker process. Ctrl-C stops everything this started.
 */
async function main(): Promise<void> {
  mkdirSync(join(DATA_DIR, 'logs'), { recursive: true });
  const started: Provisioned[] = [];
  const children: ChildProcess[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    await Promise.all(
      children.map((child) =>
        child.exitCode !== null ? undefined : new Promise((done) => (child.once('exit', done), child.kill('SIGTERM'))),
      ),
    );
    for (const service of started.reverse()) await service.stop().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const postgres = await provisionPostgres(DATA_DIR, EMBEDDED_POSTGRES_PORT, 'gpupool');
  started.push(postgres);
  const redis = await provisionRedis(DATA_DIR, FALLBACK_REDIS_PORT);
  started.push(redis);
  const key = adminKey();
  const port = process.env.PORT ?? '3000';
  const env = { ...process.env, DATABASE_URL: postgres.url, REDIS_URL: redis.url, BOOTSTRAP_ADMIN_KEY: key, PORT: port };

  const demo = await loadDemoData(env);

  const api = run('api', 'dist/apps/api/src/main.js', env);
  // The heap sizes of the image (docker/Dockerfile): V8 collects before a 10^6-row XLSX report takes the worker past 256 MB.
  const workerNodeOptions = [process.env.NODE_OPTIONS, '--max-old-space-size=256 --max-semi-space-size=8'].filter(Boolean).join(' ');
  const worker = run('worker', 'dist/apps/worker/src/main.js', { ...env, NODE_OPTIONS: workerNodeOptions });
  children.push(api, worker);
  for (const child of children)
    child.once('exit', (code) => !stopping && (console.error(`a process exited (${code}); stopping`), void stop(1)));

  const url = `http://localhost:${port}`;
  await waitForHealth(url, api);
  console.log(
    [
      '',
      'GPU Pool is running',
      `  GraphQL     ${url}/graphql`,
      `  health      ${url}/health   metrics ${url}/metrics   queues ${url}/queues`,
      `  admin key   ${key}`,
      ...demo.lines.map((line) => `  ${line}`),
      `  Postgres    ${postgres.description}`,
      `  Redis       ${redis.description}`,
      '  logs        .data/logs/api.log, .data/logs/worker.log',
      '',
      `try: curl -s ${url}/graphql -H 'content-type: application/json' -H 'authorization: Bearer ${key}' -d '{"query":"{ me { role name } }"}'`,
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
}

void main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
