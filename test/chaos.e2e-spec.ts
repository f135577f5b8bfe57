import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { summarize } from './chaos/campaign';
import { FAULT_KINDS, planRun } from './chaos/plan';
import { RunResult } from './chaos/run';

const DATA_DIR = resolve(__dirname, '../.data/chaos-test');
const RESULTS = resolve(DATA_DIR, 'results.jsonl');

/**
 * A small fault campaign (`npm run chaos` runs long ones), run as `npm run chaos` runs it, from the
 * build: three seeds, every kind of fault at least once, each run on real processes and on a
 * Postgres and a Redis of its own, every promise checked.
 */
describe('chaos: a seeded fault campaign keeps every promise', () => {
  it('plans the same run from the same seed, and three seeds cover every kind of fault', () => {
    expect(planRun(7)).toEqual(planRun(7));
    expect(planRun(7)).not.toEqual(planRun(8));
    const kinds = new Set([0, 1, 2].flatMap((seed) => planRun(seed).faults.map((f) => f.kind)));
    expect([...kinds].sort()).toEqual([...FAULT_KINDS].sort());
  });

  it('survives every fault of three seeded runs with no promise broken', async () => {
    rmSync(RESULTS, { force: true });
    const campaign = spawn(
      process.execPath,
      [resolve(__dirname, '../dist/test/chaos/main.js'), '--seed', '0', '--runs', '3', '--out', RESULTS],
      {
        env: {
          ...process.env,
          CHAOS_SERVICE_PORT: process.env.CHAOS_TEST_SERVICE_PORT ?? '55350',
          CHAOS_API_PORT: process.env.CHAOS_TEST_API_PORT ?? '3250',
          CHAOS_DATA_DIR: DATA_DIR,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    campaign.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    campaign.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((done) => campaign.on('exit', done));
    const results: RunResult[] = existsSync(RESULTS)
      ? readFileSync(RESULTS, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as RunResult)
      : [];
    expect({ runs: results.length, output: results.length === 3 ? '' : output.slice(-3000) }).toEqual({ runs: 3, output: '' });
    for (const result of results)
      expect({ seed: result.seed, violations: result.violations }).toEqual({ seed: result.seed, violations: {} });
    const summary = summarize(results);
    for (const kind of FAULT_KINDS) expect({ kind, injected: summary.faultsByKind[kind]! > 0 }).toEqual({ kind, injected: true });
    expect(summary.fills).toBeGreaterThan(0);
    expect(code).toBe(0);
  }, 1_200_000);
});
