import { Counter, register } from 'prom-client';
import { SweepProcessor } from '../apps/worker/src/sweep.processor';
import { ReportProcessor } from '../libs/reporting/src/report.processor';
import { SettlementProcessor } from '../libs/settlement/src/settlement.processor';
import { MatchingProcessor } from '../libs/trading/src/matching.processor';
import { eventually } from './support/pool';
import { startStackBehindProxies, TestStack } from './support/stack';
import { TcpProxy } from './support/tcp-proxy';
import { startWorker, TestWorker } from './support/worker';

const health = async (url: string) => {
  const response = await fetch(`${url}/health`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const allRunning = { matching: 'running', settlement: 'running', reports: 'running', sweeps: 'running' };
const allWell = { status: 'ok', postgres: 'up', redis: 'up', eventLoop: 'ok', queues: allRunning };

describe("the worker's health port", () => {
  let stack: TestStack;
  let redisProxy: TcpProxy;
  let postgresProxy: TcpProxy;
  let worker: TestWorker;

  beforeAll(async () => {
    // A 6 s lock: a block of the event loop over 3 s counts as stuck.
    ({ stack, postgresProxy, redisProxy } = await startStackBehindProxies({
      env: { WORKER_LOCK_DURATION_MS: '6000', WORKER_STALLED_INTERVAL_MS: '6000' },
    }));
  });
  // A worker of each test's own: a test that blocks this process's event loop leaves every worker
  // already running reporting it for a while.
  beforeEach(async () => {
    worker = await startWorker();
  });
  afterEach(async () => {
    await worker?.close();
  });
  afterAll(async () => {
    await stack?.close();
    await redisProxy?.cut();
    await postgresProxy?.cut();
  });

  it('answers 200 when Postgres, Redis and every queue worker are up', async () => {
    expect(await health(worker.url)).toEqual({ status: 200, body: allWell });
  });

  it("serves prom-client's default registry on /metrics, and 404 elsewhere", async () => {
    const added = new Counter({ name: 'gpupool_test_added_later_total', help: 'a metric registered after the worker started' });
    try {
      added.inc(3);
      const response = await fetch(`${worker.url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(register.contentType);
      const text = await response.text();
      expect(text).toMatch(/^gpupool_process_cpu_seconds_total/m);
      expect(text).toMatch(/^gpupool_test_added_later_total 3$/m);
    } finally {
      register.removeSingleMetric('gpupool_test_added_later_total');
    }
    expect((await fetch(`${worker.url}/queues`)).status).toBe(404);
    expect((await fetch(`${worker.url}/health`, { method: 'POST' })).status).toBe(405);
  });

  it.each([
    ['Redis', () => redisProxy, { postgres: 'up', redis: 'down' }],
    ['Postgres', () => postgresProxy, { postgres: 'down', redis: 'up' }],
  ])('answers 503 naming %s when it is unreachable, and 200 once it is back', async (_name, proxy, services) => {
    await proxy().cut();
    try {
      const down = await eventually(
        () => health(worker.url),
        (r) => r.status === 503,
      );
      expect(down).toEqual({ status: 503, body: { ...allWell, status: 'unavailable', ...services } });
    } finally {
      await proxy().open();
    }
    const back = await eventually(
      () => health(worker.url),
      (r) => r.status === 200,
    );
    expect(back.body).toEqual(allWell);
  });

  it.each([
    ['matching', (w: TestWorker) => w.app.get(MatchingProcessor).onModuleDestroy()],
    ['settlement', (w: TestWorker) => w.app.get(SettlementProcessor).onModuleDestroy()],
    ['reports', (w: TestWorker) => w.app.get(ReportProcessor).onModuleDestroy()],
    ['sweeps', (w: TestWorker) => w.app.get(SweepProcessor).onModuleDestroy()],
  ])('answers 503 naming the %s queue when its worker is closed', async (queue, closeWorker) => {
    const other = await startWorker();
    try {
      expect((await health(other.url)).status).toBe(200);
      await closeWorker(other);
      expect(await health(other.url)).toEqual({
        status: 503,
        body: { ...allWell, status: 'unavailable', queues: { ...allRunning, [queue]: 'closed' } },
      });
    } finally {
      await other.close();
    }
  });

  it('answers 503 after its event loop was blocked for over half the lock duration', async () => {
    const other = await startWorker();
    try {
      expect((await health(other.url)).status).toBe(200);
      const until = performance.now() + 3500;
      while (performance.now() < until); // a synchronous hog: no timer, no lock renewal runs meanwhile
      expect(await health(other.url)).toEqual({ status: 503, body: { ...allWell, status: 'unavailable', eventLoop: 'blocked' } });
    } finally {
      await other.close();
    }
  });

  it('closes its port when the worker shuts down', async () => {
    const other = await startWorker();
    await other.close();
    await expect(fetch(`${other.url}/health`)).rejects.toThrow();
  });
});
