import { startStackBehindProxies, TestStack } from './support/stack';
import { eventually } from './support/pool';
import { TcpProxy } from './support/tcp-proxy';

const health = async (url: string) => {
  const response = await fetch(`${url}/health`);
  return { status: response.status, body: (await response.json()) as Record<string, string> };
};

describe('/health and /metrics', () => {
  let stack: TestStack;
  let redisProxy: TcpProxy;
  let postgresProxy: TcpProxy;

  beforeAll(async () => {
    ({ stack, postgresProxy, redisProxy } = await startStackBehindProxies());
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

  it.each([
    ['Redis', () => redisProxy, { postgres: 'up', redis: 'down' }],
    ['Postgres', () => postgresProxy, { postgres: 'down', redis: 'up' }],
  ])('answers 503 naming %s when it is unreachable', async (_name, proxy, services) => {
    await proxy().cut();
    const down = await eventually(
      () => health(stack.url),
      (r) => r.status === 503,
    );
    expect(down).toEqual({ status: 503, body: { status: 'unavailable', ...services } });
    await proxy().open();
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
