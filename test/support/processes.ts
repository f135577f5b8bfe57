import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

// From test/support, or from dist/test/support when compiled (the chaos campaign).
const DIST = __dirname.split(/[\\/]/).includes('dist') ? resolve(__dirname, '../..') : resolve(__dirname, '../../dist');
const WORKER_MAIN = resolve(DIST, 'apps/worker/src/main.js');
const API_MAIN = resolve(DIST, 'apps/api/src/main.js');

/** An api or worker started from the build as a process of its own. */
export interface AppProcess {
  pid: number;
  /** Its log so far (pino JSON lines), for a failing test to show. */
  log: () => string;
  /** SIGKILL: no shutdown hooks, open transactions roll back, BullMQ locks are left to expire. */
  kill: () => Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop: () => Promise<void>;
  /** Whether it is still running. */
  alive: () => boolean;
}

function start(main: string, env: Record<string, string>, readyLine: RegExp): Promise<AppProcess> {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first (\`npm test\` does)`);
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const collect = (chunk: Buffer) => (output += chunk.toString());
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const handle: AppProcess = {
    pid: child.pid!,
    log: () => output,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    alive: () => child.exitCode === null && child.signalCode === null,
  };
  return new Promise((ready, fail) => {
    // Not ready in time: killed, so no process outlives the test that started it.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${main} not ready within 60 s:\n${output}`));
    }, 60_000);
    const check = () => {
      if (!readyLine.test(output)) return;
      clearTimeout(timer);
      ready(handle);
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${main} exited with ${code} before it was ready:\n${output}`));
    });
  });
}

/** A worker process (`node dist/apps/worker/src/main.js`) on a test stack's environment. */
export function startWorkerProcess(env: Record<string, string>): Promise<AppProcess> {
  return start(WORKER_MAIN, env, /worker ready/);
}

/** An api process on `port` (else a free one); resolves with its base URL once it listens. */
export async function startApiProcess(env: Record<string, string>, port?: number): Promise<AppProcess & { url: string }> {
  port ??= await freePort();
  const api = await start(API_MAIN, { ...env, PORT: String(port) }, /GraphQL ready/);
  return { ...api, url: `http://127.0.0.1:${port}` };
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}
