import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { QueueName } from '@gpupool/platform';

/**
 * Waits until the workers have caught up: no match run pending, no open order waiting for its first
 * run, every fill settled, three readings in a row. `query` runs SQL on the benchmark's database;
 * `env` is the environment its processes run with (REDIS_URL, QUEUE_PREFIX).
 */
export async function workersQuiet(
  query: (text: string) => Promise<Record<string, any>[]>,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<void> {
  const queue = new Queue(QueueName.MATCHING, { connection: { url: env.REDIS_URL }, prefix: env.QUEUE_PREFIX });
  try {
    const started = performance.now();
    for (let calm = 0; calm < 3;) {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      const [row] = await query(
        `SELECT (SELECT count(*)::int FROM orders WHERE status IN ('OPEN', 'PARTIALLY_FILLED') AND NOT resting) AS unseen,
                (SELECT count(*)::int FROM fill) - (SELECT count(*)::int FROM settlement) AS unsettled`,
      );
      const busy = Object.values(counts).some((n) => n > 0) || row!.unseen > 0 || row!.unsettled > 0;
      calm = busy ? 0 : calm + 1;
      if (performance.now() - started > timeoutMs)
        throw new Error(`the workers did not catch up: ${JSON.stringify({ ...counts, ...row })}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await queue.close();
  }
}
