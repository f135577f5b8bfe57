import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, profileArgs } from './bench-stack';

const WORKER_MAIN = join(__dirname, '..', '..', 'apps', 'worker', 'src', 'main.js');
const API_MAIN = join(__dirname, '..', '..', 'apps', 'api', 'src', 'main.js');
/** Linux clock ticks per second, the unit of /proc/<pid>/stat times. */
const CLOCK_TICKS = 100;

/** An api or worker process started from the build, as deployed (`node dist/apps/<app>/src/main.js`). */
export interface AppProcess {
  pid: number;
  /** The api's base URL; empty for a worker. */
  url: string;
  /** Peak resident memory so far (VmHWM), in MB. */
  peakRssMb: () => number;
  /** CPU time used so far (user + system), in seconds. */
  cpuSeconds: () => number;
  /** SIGTERM, and wait for the exit. */
  stop: () => Promise<void>;
}

function handle(child: ChildProcess, url: string): AppProcess {
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const pid = child.pid!;
  return {
    pid,
    url,
    peakRssMb: () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024,
    cpuSeconds: () => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A worker process on `env`, once it has logged that it is ready. */
export async function startWorker(env: Record<string, string>): Promise<AppProcess> {
  const child = spawn(process.execPath, [...profileArgs(), WORKER_MAIN], {
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((ready, fail) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('worker ready')) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      ready();
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => fail(new Error(`the worker exited with ${code} before it was ready`)));
  });
  return handle(child, '');
}

/** An api process on `env` and a free port, once /health answers. */
export async function startApi(env: Record<string, string>): Promise<AppProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...profileArgs(), API_MAIN], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the api exited with code ${child.exitCode}`);
    if (
      await fetch(`${url}/health`).then(
        (r) => r.status < 500,
        () => false,
      )
    )
      break;
    if (i > 300) throw new Error(`the api did not answer on ${url}/health within 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return handle(child, url);
}
