import { startStack, testRedisUrl, TestStack } from './support/stack';
import { createTestDatabase } from './support/database';
import { TcpProxy } from './support/tcp-proxy';

const health = async (url: string) => {
  const response = await fetch(`${url}/health`);
  return { status: response.status, body: (await response.json()) as Record<string, string> };
};

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  let last = await probe();
  for (let i = 0; i < 50 && !accept(last); i++) {
    await new Promise((r) => setTimeout(r, 100));
    last = await probe();
  }
  return last;
}

describe('/health and /metrics', () => {
  let stack: TestStack;
  let redisProxy: TcpProxy;
  let postgresProxy: TcpProxy;

  beforeAll(async () => {
    const redis = new URL(testRedisUrl());
    redisProxy = await new TcpProxy(redis.hostname, Number(redis.port || 6379)).open();
    const probe = await createTestDatabase();
    await probe.drop();
    const pg = new URL(probe.url);
    postgresProxy = await new TcpProxy(pg.hostname, Number(pg.port || 5432)).open();
    stack = await startStack({
      env: { REDIS_URL: redisProxy.via(testRedisUrl()) },
      databaseVia: (url) => postgresProxy.via(url),
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('answers 200 when Postgres and Redis are up', async () => {
    expect(await health(stack.url)).toEqual({ status: 200, body: { status: 'ok', postgres: 'up', redis: 'up' } });
  });

  it('serves Prometheus metrics without a key', async () => {
    const response = await fetch(`${stack.url}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^gpupool_process_cpu_seconds_total/m);
  });

  it('answers 503 naming Redis when Redis is unreachable', async () => {
    await redisProxy.cut();
    const result = await eventually(
      () => health(stack.url),
      (r) => r.status === 503,
    );
    expect(result).toEqual({ status: 503, body: { status: 'unavailable', postgres: 'up', redis: 'down' } });
    await redisProxy.open();
    expect(
      (
        await eventually(
          () => health(stack.url),
          (r) => r.status === 200,
        )
      ).status,
    ).toBe(200);
  });

  it('answers 503 naming Postgres when Postgres is unreachable', async () => {
    await postgresProxy.cut();
    const result = await eventually(
      () => health(stack.url),
      (r) => r.status === 503,
    );
    expect(result).toEqual({ status: 503, body: { status: 'unavailable', postgres: 'down', redis: 'up' } });
    await postgresProxy.open();
    expect(
      (
        await eventually(
          () => health(stack.url),
          (r) => r.status === 200,
        )
      ).status,
    ).toBe(200);
  });
});
