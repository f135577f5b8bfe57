import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { StageResult } from '../bench/support/results-json';

const DATA_DIR = resolve(__dirname, '../.data/bench-test');
const RESULTS = resolve(DATA_DIR, 'results.json');

type Results = { benchmarks: Record<string, { stages: StageResult[] } | { error: string }> };

/**
 * `npm run bench` in short (BENCH_SCALE=0.01), from the build, on a Postgres and a Redis of its
 * own: every benchmark runs to its end and reports its stages, so a benchmark that no longer runs
 * fails here rather than on the day it is needed. Figures are not checked: speed is the full run's,
 * so the matching benchmark makes each catch-up once, not five times.
 */
describe('bench: every benchmark runs, in short', () => {
  it('runs each benchmark to its end and records its stages and ratios in results.json', () => {
    rmSync(RESULTS, { force: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BENCH_SCALE: '0.01',
      MATCHING_CATCH_UPS: '1',
      BENCH_DATA_DIR: DATA_DIR,
      BENCH_PG_PORT: process.env.BENCH_TEST_PG_PORT ?? '55360',
      BENCH_REDIS_PORT: process.env.BENCH_TEST_REDIS_PORT ?? '6360',
    };
    // The benchmarks' Postgres needs settings of its own (pg_stat_statements, commit timestamps).
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    const bench = spawnSync(process.execPath, [resolve(__dirname, '../dist/bench/run.js')], {
      env,
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
      timeout: 1_200_000,
    });
    expect({ code: bench.status, output: bench.status === 0 ? '' : `${bench.stdout}${bench.stderr}`.slice(-3000) }).toEqual({
      code: 0,
      output: '',
    });

    expect(existsSync(RESULTS)).toBe(true);
    const { benchmarks } = JSON.parse(readFileSync(RESULTS, 'utf8')) as Results;
    expect(Object.keys(benchmarks).sort()).toEqual(['market-day', 'matching', 'order-intake', 'reports', 'settlement']);
    for (const [name, result] of Object.entries(benchmarks)) {
      expect({ name, error: 'error' in result ? result.error : undefined }).toEqual({ name, error: undefined });
      const { stages } = result as { stages: StageResult[] };
      expect({ name, ratios: stages.some((s) => s.ratio !== null && s.ratio > 0) }).toEqual({ name, ratios: true });
    }
  }, 1_200_000);
});
