import { FAULT_KINDS, planRun } from './chaos/plan';
import { runCampaign, summarize } from './chaos/campaign';
import { RunResult } from './chaos/run';

/**
 * A small fault campaign (`npm run chaos` runs long ones): three seeds, every kind of fault at
 * least once, each run on real processes, Postgres and Redis of its own, every promise checked.
 */
describe('chaos: a seeded fault campaign keeps every promise', () => {
  it('plans the same run from the same seed, and three seeds cover every kind of fault', () => {
    expect(planRun(7)).toEqual(planRun(7));
    expect(planRun(7)).not.toEqual(planRun(8));
    const kinds = new Set([0, 1, 2].flatMap((seed) => planRun(seed).faults.map((f) => f.kind)));
    expect([...kinds].sort()).toEqual([...FAULT_KINDS].sort());
  });

  it('survives every fault of three seeded runs with no promise broken', async () => {
    const results: RunResult[] = await runCampaign({
      seed: 0,
      runs: 3,
      servicePortBase: Number(process.env.CHAOS_TEST_SERVICE_PORT ?? 55350),
      apiPortBase: Number(process.env.CHAOS_TEST_API_PORT ?? 3250),
      dataDir: '.data/chaos-test',
    });
    const summary = summarize(results);
    for (const result of results)
      expect({ seed: result.seed, violations: result.violations }).toEqual({ seed: result.seed, violations: {} });
    for (const kind of FAULT_KINDS) expect({ kind, injected: summary.faultsByKind[kind]! > 0 }).toEqual({ kind, injected: true });
    expect(summary.fills).toBeGreaterThan(0);
  }, 900_000);
});
