import { Queue, UnrecoverableError, Worker } from 'bullmq';
import Redis from 'ioredis';
import { QueueName } from '@gpupool/platform';
import { fillsOfSettleJob, SETTLE_FILL_JOB, SettleFillJob } from '@gpupool/settlement';
import { MatchingService } from '@gpupool/trading';
import { eventually, Pool } from './support/pool';
import { AppProcess, startWorkerProcess } from './support/processes';
import { settlementProgress, settlementViolations } from './support/settlement-invariants';
import { TcpProxy } from './support/tcp-proxy';
import { startStack, TestStack } from './support/stack';

const SKU = 'MLU370';
const REGION = 'cn-shanghai';

/**
 * Locks of a few seconds and a stalled check every second, so a killed worker's jobs run again
 * within seconds (a lock must outlast fetching a worker's jobs through the slow proxy); a quick sweep.
 */
const ENV = { WORKER_LOCK_DURATION_MS: '8000', WORKER_STALLED_INTERVAL_MS: '1000', SWEEP_INTERVAL_MS: '500' };

describe('settlement when a worker is killed mid-batch or after its commit, when Redis is flushed, when a job failed', () => {
  let stack: TestStack;
  let pool: Pool;
  let queue: Queue<SettleFillJob>;
  let partner: { id: string; key: string };
  const workers: AppProcess[] = [];
  let n = 0;

  const sql = <T = any>(query: string, params: unknown[] = []): Promise<T[]> => stack.dataSource.query(query, params);
  /** Orders placed through the api and matched here, as a worker would: committed fills whose settle jobs are queued. */
  const fillsNow = async (orders: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < orders; i++) {
      const res = await pool.place(partner.key, {
        clientOrderId: `k-${++n}`,
        skuCode: SKU,
        regionCode: REGION,
        quantity: 1 + (n % 7),
        limitPrice: '65000.00',
        timeInForce: 'IOC',
      });
      expect(res.errors).toBeUndefined();
      ids.push(res.data!.placeOrder.id);
    }
    const [{ id: marketId }] = await sql(`SELECT market_id AS id FROM orders WHERE id = $1`, [ids[0]]);
    await stack.get(MatchingService).run(marketId);
    return (await sql('SELECT id FROM fill WHERE order_id = ANY($1)', [ids])).map((r) => r.id);
  };
  const startWorker = async (env: Record<string, string> = stack.env) => {
    const started = await startWorkerProcess(env);
    workers.push(started);
    return started;
  };
  const stopWorkers = async () => {
    for (const w of workers.splice(0)) await w.stop();
  };
  /** The settle job that carries a fill, whichever its shape. */
  const jobOf = async (fillId: string) => {
    const jobs = await queue.getJobs(['active', 'waiting', 'delayed', 'completed', 'failed', 'prioritized']);
    return jobs.find((job) => fillsOfSettleJob(job.data).includes(fillId));
  };
  /** The first of `fillIds` to be settled, seen within milliseconds of its settlement's commit. */
  const firstSettledFill = async (fillIds: string[]): Promise<string> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [row] = await sql<{ fill_id: string }>('SELECT fill_id FROM settlement WHERE fill_id = ANY($1) LIMIT 1', [fillIds]);
      if (row) return row.fill_id;
      if (Date.now() > deadline) throw new Error('no fill was settled within 30 s');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const everyFillSettledOnce = async () => {
    const progress = await eventually(
      () => settlementProgress(stack.dataSource),
      (p) => p.fills > 0 && p.settlements === p.fills,
      45_000,
    );
    expect(await sql(`SELECT count(*)::int AS n FROM journal_entry WHERE source_type = 'fill'`)).toEqual([{ n: progress.fills }]);
    expect(await settlementViolations(stack.dataSource)).toEqual({});
  };

  beforeAll(async () => {
    stack = await startStack({ env: ENV });
    pool = new Pool(stack);
    queue = new Queue(QueueName.SETTLEMENT, { connection: { url: stack.env.REDIS_URL }, prefix: stack.env.QUEUE_PREFIX });
    partner = await pool.partner('Crash Test Compute', 'CN', '10000000000.00');
    await pool.receive(SKU, REGION, 100_000, '50000.00');
    await pool.share('5.00');
    await pool.ask(SKU, REGION, '65000.00');
  });
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await queue.close();
    await stack.close();
  });

  it('settles each fill once when the worker is SIGKILLed between its commit and the job’s completion', async () => {
    await stopWorkers(); // the worker below is the only one that may take these jobs, whatever ran before
    const fills = await fillsNow(20);
    // The worker's Redis traffic arrives 150 ms late: a job's completion is still on its way when the settlement shows.
    const redis = new URL(stack.env.REDIS_URL);
    const proxy = await new TcpProxy(redis.hostname, Number(redis.port || 6379), 150).open();
    const first = await startWorker({ ...stack.env, REDIS_URL: proxy.via(stack.env.REDIS_URL) });
    const committed = await firstSettledFill(fills);
    await first.kill();
    await proxy.cut();

    const job = (await jobOf(committed))!;
    // Its completion never reached Redis (a sweep round's duplicate of the same fills may have completed).
    expect(await job.getState()).toBe('active');

    await startWorker();
    await eventually(
      () => job.getState(),
      (state) => state === 'completed',
      30_000,
    );
    await everyFillSettledOnce();
    const rerun = (await queue.getJob(job.id!))!;
    expect(rerun.stalledCounter).toBe(1); // it ran again after the kill, and changed nothing
    const failedOfThese = (await queue.getFailed()).filter((j) => fillsOfSettleJob(j.data).some((id) => fills.includes(id)));
    expect(failedOfThese.map((j) => [j.id, j.failedReason])).toEqual([]);
  });

  it('settles every fill once when Redis is flushed after the fills committed', async () => {
    await stopWorkers();
    const fills = await fillsNow(15);
    const redis = new Redis(stack.env.REDIS_URL);
    await redis.flushdb();
    await redis.quit();
    expect(await queue.getJobCounts('waiting', 'active', 'delayed', 'completed')).toEqual({
      waiting: 0,
      active: 0,
      delayed: 0,
      completed: 0,
    });
    expect(await sql('SELECT count(*)::int AS n FROM settlement WHERE fill_id = ANY($1)', [fills])).toEqual([{ n: 0 }]);

    await startWorker();
    await everyFillSettledOnce();
  });

  it('settles a fill whose job failed for good, once the sweep finds it unsettled', async () => {
    await stopWorkers();
    const fills = await fillsNow(3);
    // The jobs matching queued for these fills fail for good, as when a bug (since fixed) failed them past their retries.
    const failing = new Worker(QueueName.SETTLEMENT, async () => Promise.reject(new UnrecoverableError('database away')), {
      connection: { url: stack.env.REDIS_URL },
      prefix: stack.env.QUEUE_PREFIX,
    });
    const states = () => Promise.all(fills.map((fillId) => jobOf(fillId).then((j) => j!.getState())));
    await eventually(states, (s) => s.every((x) => x === 'failed'));
    await failing.close();
    const failedJob = (await jobOf(fills[0]!))!;
    expect([failedJob.name, failedJob.failedReason]).toEqual([SETTLE_FILL_JOB, 'database away']);
    expect(await sql('SELECT count(*)::int AS n FROM settlement WHERE fill_id = ANY($1)', [fills])).toEqual([{ n: 0 }]);

    // The failed job stays failed: the sweep's next round queues the fills in jobs of its own.
    await startWorker();
    await everyFillSettledOnce();
    expect(await queue.getJob(failedJob.id!).then((j) => j!.getState())).toBe('failed');
  });

  it('settles each fill once when the worker is SIGKILLed mid-batch, inside its transaction', async () => {
    await stopWorkers();
    const fills = await fillsNow(30);
    // The worker's Postgres traffic arrives 100 ms late, so its batch transaction lasts a second or more.
    const postgres = new URL(stack.env.DATABASE_URL!);
    const proxy = await new TcpProxy(postgres.hostname, Number(postgres.port || 5432), 100).open();
    const victim = await startWorker({ ...stack.env, DATABASE_URL: proxy.via(stack.env.DATABASE_URL!) });
    // A transaction with an id has locked its partners; nothing of it is committed yet.
    await eventually(
      () =>
        sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()`,
        ),
      ([row]) => row!.n > 0,
      30_000,
    );
    await victim.kill();
    await proxy.cut();
    expect(await sql('SELECT count(*)::int AS n FROM settlement WHERE fill_id = ANY($1)', [fills])).toEqual([{ n: 0 }]);

    await startWorker();
    await everyFillSettledOnce();
  });

  it('settles each fill once when two workers run duplicate jobs of the same fills, of both shapes, at once', async () => {
    await stopWorkers();
    // The queue paused while both workers boot (one at a time: a boot is slow on a busy machine), so that
    // matching's job and the duplicates all reach both workers at once when it resumes.
    await queue.pause();
    const fills = await fillsNow(40);
    await startWorker();
    await startWorker();
    await queue.addBulk([
      ...fills.map((fillId) => ({ name: SETTLE_FILL_JOB, data: { fillId }, opts: { jobId: `dup-${fillId}` } })),
      { name: SETTLE_FILL_JOB, data: { fillIds: fills }, opts: { jobId: 'dup-batch' } },
      { name: SETTLE_FILL_JOB, data: { fillIds: [...fills].reverse() }, opts: { jobId: 'dup-batch-reversed' } },
    ]);
    await queue.resume();
    await everyFillSettledOnce();
    const dups = [...fills.map((fillId) => `dup-${fillId}`), 'dup-batch', 'dup-batch-reversed'];
    await eventually(
      () => Promise.all(dups.map((id) => queue.getJob(id).then((j) => j?.getState()))),
      (states) => states.every((state) => state === 'completed'),
      30_000,
    );
  });
});
