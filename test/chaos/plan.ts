import { seededRandom } from '../support/seeded-random';

/** Every kind of fault a chaos run injects. */
export const FAULT_KINDS = [
  'worker-kill-mid-match',
  'worker-kill-mid-settlement',
  'worker-kill-mid-report',
  'api-kill-in-flight',
  'redis-restart',
  'redis-cut',
  'redis-flush',
  'postgres-cut',
  'postgres-restart',
  'job-delivered-twice',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface PlannedFault {
  kind: FaultKind;
  /** Pause before injecting it (after the previous fault has recovered), ms. */
  afterMs: number;
  /** How long the fault lasts (a process down, a proxy cut, a service stopped), ms. */
  durationMs: number;
  /** Which of the targets (worker or api index) it hits. */
  target: number;
}

export interface RunPlan {
  seed: number;
  apis: 1 | 2;
  partners: number;
  /** Concurrent partner clients placing and cancelling orders. */
  clients: number;
  faults: PlannedFault[];
}

export const FAULTS_PER_RUN = 4;

/**
 * The plan of one run, from its seed alone. The kinds rotate with the seed, so consecutive seeds
 * cover every kind (three seeds give twelve faults, over ten kinds); moments, durations and
 * targets are drawn from the seed.
 */
export function planRun(seed: number): RunPlan {
  const random = seededRandom(seed).next;
  const between = (lo: number, hi: number) => Math.floor(lo + random() * (hi - lo + 1));
  const faults = Array.from({ length: FAULTS_PER_RUN }, (_, i) => ({
    kind: FAULT_KINDS[(seed * FAULTS_PER_RUN + i) % FAULT_KINDS.length]!,
    afterMs: between(300, 1500),
    durationMs: between(1000, 3000),
    target: between(0, 1),
  }));
  return { seed, apis: random() < 0.5 ? 1 : 2, partners: between(3, 5), clients: between(3, 5), faults };
}
