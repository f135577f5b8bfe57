import { resolve } from 'node:path';
import { FAULT_KINDS, planRun } from './plan';
import { DataSource } from 'typeorm';
import { dataSourceOptions, migrate } from '@gpupool/platform';
import { CHAOS_TEMPLATE, chaosRun, ChaosEnv, RunResult } from './run';
import { ChaosPostgres, ChaosRedis } from './services';
import { MIGRATIONS } from '../../apps/migrations';

export interface CampaignOptions {
  seed: number;
  runs: number;
  /** Postgres on base, Redis on base + 1. */
  servicePortBase: number;
  /** The apis on apiPortBase and apiPortBase + 1. */
  apiPortBase: number;
  dataDir: string;
  /** Stop starting runs after this time (ms since the epoch). */
  deadline?: number;
  onRun?: (result: RunResult, index: number) => void;
}

export interface CampaignSummary {
  runs: number;
  failedSeeds: number[];
  faultsByKind: Record<string, number>;
  caughtMidJob: Record<string, number>;
  orders: number;
  acknowledged: number;
  fills: number;
  violations: number;
  recovery: Record<'healthMs' | 'matchMs' | 'settledMs' | 'slowestFailureMs', { p50: number; p99: number; max: number }>;
  requests: Record<string, number>;
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

export function summarize(results: RunResult[]): CampaignSummary {
  const faults = results.flatMap((r) => r.faults);
  const count = (values: string[]) => values.reduce<Record<string, number>>((acc, v) => ((acc[v] = (acc[v] ?? 0) + 1), acc), {});
  const stat = (key: keyof CampaignSummary['recovery']) => {
    const values = faults.map((f) => f[key]).filter((v): v is number => typeof v === 'number');
    return { p50: percentile(values, 50), p99: percentile(values, 99), max: Math.max(0, ...values) };
  };
  const requests: Record<string, number> = {};
  for (const r of results) for (const [code, n] of Object.entries(r.requests)) requests[code] = (requests[code] ?? 0) + n;
  return {
    runs: results.length,
    failedSeeds: results.filter((r) => !r.ok).map((r) => r.seed),
    faultsByKind: Object.fromEntries(FAULT_KINDS.map((k) => [k, faults.filter((f) => f.kind === k).length])),
    caughtMidJob: count(faults.filter((f) => f.caughtMidJob).map((f) => f.kind)),
    orders: results.reduce((n, r) => n + r.orders, 0),
    acknowledged: results.reduce((n, r) => n + r.acknowledged, 0),
    fills: results.reduce((n, r) => n + r.fills, 0),
    violations: results.reduce((n, r) => n + Object.keys(r.violations).length, 0),
    recovery: {
      healthMs: stat('healthMs'),
      matchMs: stat('matchMs'),
      settledMs: stat('settledMs'),
      slowestFailureMs: stat('slowestFailureMs'),
    },
    requests,
  };
}

/** Runs seeds seed … seed + runs − 1, one after another, on a Postgres and a Redis of the campaign's own. */
export async function runCampaign(options: CampaignOptions): Promise<RunResult[]> {
  const env: ChaosEnv = {
    postgres: new ChaosPostgres(resolve(options.dataDir), options.servicePortBase),
    redis: new ChaosRedis(resolve(options.dataDir), options.servicePortBase + 1),
    apiPorts: [options.apiPortBase, options.apiPortBase + 1],
    dataDir: resolve(options.dataDir),
  };
  await env.postgres.start();
  await env.redis.start();
  await env.postgres.query('postgres', `DROP DATABASE IF EXISTS ${CHAOS_TEMPLATE} WITH (FORCE)`);
  await env.postgres.query('postgres', `CREATE DATABASE ${CHAOS_TEMPLATE}`);
  const template = await new DataSource(dataSourceOptions(env.postgres.url(CHAOS_TEMPLATE), MIGRATIONS, [], 2)).initialize();
  await migrate(template);
  await template.destroy();
  const results: RunResult[] = [];
  try {
    for (let i = 0; i < options.runs; i++) {
      if (options.deadline && Date.now() > options.deadline) break;
      const result = await chaosRun(env, planRun(options.seed + i));
      results.push(result);
      options.onRun?.(result, i);
    }
  } finally {
    await env.redis.stop();
    await env.postgres.stop();
  }
  return results;
}
