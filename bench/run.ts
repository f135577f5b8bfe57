import 'reflect-metadata';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { provisionPostgres, provisionRedis } from '../scripts/provision';
import { benchDataDir } from './support/bench-stack';
import { StageResult, stagesOf } from './support/results-json';

/**
 * `npm run bench`: provisions Postgres and Redis the way `npm test` does (DATABASE_URL / REDIS_URL,
 * else an embedded Postgres under .data/bench and a redis-server of its own from the PATH),
 * runs every dist/bench/*.bench.js (each exports `run(): Promise<string>`, a markdown section, and
 * creates and drops its own scratch database on BENCH_DATABASE_URL), and prints the sections.
 * BENCH_SCALE (default 1) scales the sizes down for a quick run; BENCH_ONLY=<name> runs one file;
 * BENCH_DATA_DIR (default .data/bench) holds its services' data and `results.json`: for each
 * benchmark, each stage's figures and ratio (the rows of its tables), so runs can be compared by a
 * program.
 */
async function main(): Promise<void> {
  const dataDir = benchDataDir();
  // pg_stat_statements: a benchmark may say which statements its time went to; commit timestamps:
  // it may time a transaction to its commit by Postgres's clock.
  const postgres = await provisionPostgres(dataDir, Number(process.env.BENCH_PG_PORT ?? 54322), 'postgres', [
    '-c',
    'shared_preload_libraries=pg_stat_statements',
    '-c',
    'pg_stat_statements.track_planning=on',
    '-c',
    'track_commit_timestamp=on',
  ]);
  const redis = await provisionRedis(dataDir, Number(process.env.BENCH_REDIS_PORT ?? 6382), { ownOnly: true });
  process.env.BENCH_DATABASE_URL = postgres.url;
  process.env.BENCH_REDIS_URL = redis.url;
  const only = process.env.BENCH_ONLY;
  const files = readdirSync(__dirname)
    .filter((file) => file.endsWith('.bench.js') && (!only || file.startsWith(only)))
    .sort();
  console.log(
    `# GPU Pool benchmarks\n\n${new Date().toISOString()}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, ` +
      `BENCH_SCALE=${process.env.BENCH_SCALE ?? '1'}; ${postgres.description}; ${redis.description}\n`,
  );
  let failed = false;
  const results: Record<string, { stages: StageResult[] } | { error: string }> = {};
  try {
    for (const file of files) {
      const name = file.replace(/\.bench\.js$/, '');
      const bench = (await import(join(__dirname, file))) as { run: () => Promise<string> };
      try {
        const section = await bench.run();
        console.log(section);
        results[name] = { stages: stagesOf(section) };
      } catch (error) {
        failed = true;
        results[name] = { error: String(error) };
        console.error(`${file} failed:`, error);
      }
    }
  } finally {
    mkdirSync(dataDir, { recursive: true });
    const meta = {
      at: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      scale: Number(process.env.BENCH_SCALE ?? '1'),
    };
    writeFileSync(join(dataDir, 'results.json'), `${JSON.stringify({ ...meta, benchmarks: results }, null, 2)}\n`);
    await redis.stop();
    await postgres.stop();
  }
  process.exit(failed ? 1 : 0);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
