import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { processCpuSeconds } from './process-cpu';

// From test/support, or from dist/test/support when compiled (the chaos campaign, the benchmarks).
const DIST = __dirname.split(/[\\/]/).includes('dist') ? resolve(__dirname, '../..') : resolve(__dirname, '../../dist');
const WORKER_MAIN = 'apps/worker/src/main.js';
const API_MAIN = 'apps/api/src/main.js';

/** A process started from the build (an api, a worker, a benchmark's baseline server). */
export interface AppProcess {
  pid: number;
  /** Its output so far (pino JSON lines for the apps), for a failing test to show. */
  log: () => string;
  /** SIGKILL: no shutdown hooks, open transactions roll back, BullMQ locks are left to expire. */
  kill: () => Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop: () => Promise<void>;
  /** Whether it is still running. */
  alive: () => boolean;
  /** CPU time used so far (user + system), in seconds; 0 once it is gone. */
  cpuSeconds: () => number;
  /** Peak resident memory so far (VmHWM), in MB. */
  peakRssMb: () => number;
}

/** A process that serves HTTP, and its base URL. */
export type HttpProcess = AppProcess & { url: string };

/** When it is ready: a line of its output, or an HTTP GET that answers below 500. */
type Readiness = { line: RegExp } | { probe: string };

/**
 * With BENCH_CPU_PROFILE_DIR set, every process started here writes a V8 CPU profile there when it
 * stops (open it in Chrome DevTools or speedscope).
 */
function profileArgs(): string[] {
  const dir = process.env.BENCH_CPU_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** Starts `node dist/<script>` on `env`; resolves once it is ready, fails (and kills it) after 60 s or when it exits first. */
function start(script: string, env: Record<string, string>, readiness: Readiness): Promise<AppProcess> {
  const main = resolve(DIST, script);
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first (\`npm test\` does)`);
  const child: ChildProcess = spawn(process.execPath, [...profileArgs(), main], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const collect = (chunk: Buffer) => (output += chunk.toString());
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const running = () => child.exitCode === null && child.signalCode === null;
  const pid = child.pid!;
  const handle: AppProcess = {
    pid,
    log: () => output,
    kill: async () => {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (running()) child.kill('SIGTERM');
      await exited;
    },
    alive: running,
    cpuSeconds: () => processCpuSeconds(pid) ?? 0,
    peakRssMb: () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024,
  };
  return new Promise((ready, fail) => {
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) fail(error);
      else ready(handle);
    };
    // Not ready in time: killed, so no process outlives the test that started it.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new Error(`${main} not ready within 60 s:\n${output}`));
    }, 60_000);
    child.once('exit', (code) => finish(new Error(`${main} exited with ${code} before it was ready:\n${output}`)));
    if ('line' in readiness) {
      child.stdout!.on('data', () => readiness.line.test(output) && finish());
      return;
    }
    const poll = async () => {
      while (!settled) {
        const up = await fetch(readiness.probe, { headers: { 'apollo-require-preflight': 'true' } }).then(
          (r) => r.status < 500,
          () => false,
        );
        if (up) return finish();
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    void poll();
  });
}

/** A worker process (`node dist/apps/worker/src/main.js`) on `env`, once it says it is ready. */
export function startWorkerProcess(env: Record<string, string>): Promise<AppProcess> {
  return start(WORKER_MAIN, { ...env, LOG_LEVEL: 'info' }, { line: /worker ready/ });
}

/** An api process on `port` (else a free one); resolves with its base URL once it listens. */
export async function startApiProcess(env: Record<string, string>, port?: number): Promise<HttpProcess> {
  port ??= await freePort();
  const api = await start(API_MAIN, { ...env, LOG_LEVEL: 'info', PORT: String(port) }, { line: /GraphQL ready/ });
  return { ...api, url: `http://127.0.0.1:${port}` };
}

/** `node dist/<script>` on `env` and a free PORT, once GET `probe` answers below 500. */
export async function startHttpProcess(script: string, env: Record<string, string>, probe = '/health'): Promise<HttpProcess> {
  const url = `http://127.0.0.1:${await freePort()}`;
  const server = await start(script, { ...env, PORT: new URL(url).port }, { probe: `${url}${probe}` });
  return { ...server, url };
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
