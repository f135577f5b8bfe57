import { codesOf } from './support/graphql-client';
import { Pool } from './support/pool';
import { createTestDatabase } from './support/database';
import { startStack, testRedisUrl, TestStack } from './support/stack';
import { TcpProxy } from './support/tcp-proxy';

const PLACE = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status } }';

/** Settles with what the request gave, or with 'still waiting' if it has not answered by the time the dependency is back. */
async function answeredWhileDown<T>(request: Promise<T>, downFor: Promise<void>): Promise<T | 'still waiting'> {
  return Promise.race([request, downFor.then(() => 'still waiting' as const)]);
}

describe('while Postgres or Redis is away, requests are answered, not held', () => {
  let stack: TestStack;
  let pool: Pool;
  let redisProxy: TcpProxy;
  let postgresProxy: TcpProxy;
  let partner: { id: string; key: string };

  beforeAll(async () => {
    const redis = new URL(testRedisUrl());
    redisProxy = await new TcpProxy(redis.hostname, Number(redis.port || 6379)).open();
    const probe = await createTestDatabase();
    await probe.drop();
    const pg = new URL(probe.url);
    postgresProxy = await new TcpProxy(pg.hostname, Number(pg.port || 5432)).open();
    stack = await startStack({
      worker: true,
      env: { REDIS_URL: redisProxy.via(testRedisUrl()), SWEEP_INTERVAL_MS: '1000' },
      databaseVia: (url) => postgresProxy.via(url),
    });
    pool = new Pool(stack);
    await pool.receive('H800', 'cn-shanghai', 10_000);
    await pool.share('5.00');
    await pool.ask('H800', 'cn-shanghai', '120000.00');
    partner = await pool.partner('Outage Partner', 'SG');
  });
  afterAll(async () => {
    await stack.close();
  });

  it('takes an order while Redis is unreachable (the order is in Postgres) and matches it once Redis is back', async () => {
    await redisProxy.cut();
    const back = new Promise<void>((done) => setTimeout(done, 8000));
    const reply = await answeredWhileDown(
      pool.place(partner.key, {
        clientOrderId: 'outage-1',
        skuCode: 'H800',
        regionCode: 'cn-shanghai',
        quantity: 5,
        limitPrice: '120000.00',
      }),
      back,
    );
    await back;
    await redisProxy.open();
    expect(reply).not.toBe('still waiting'); // the match enqueue must not wait in ioredis's offline queue for Redis to return
    if (reply === 'still waiting') return;
    expect(reply.errors).toBeUndefined();
    await pool.until(partner.key, reply.data!.placeOrder.id, (o) => o.status === 'FILLED', 30_000);
  });

  it('answers SERVICE_UNAVAILABLE, not INTERNAL_SERVER_ERROR, while Postgres is unreachable', async () => {
    await postgresProxy.cut();
    try {
      const reply = await pool.place(partner.key, {
        clientOrderId: 'outage-2',
        skuCode: 'H800',
        regionCode: 'cn-shanghai',
        quantity: 5,
        limitPrice: '120000.00',
      });
      expect(codesOf(reply)).toEqual(['SERVICE_UNAVAILABLE']);
    } finally {
      await postgresProxy.open();
    }
    const retried = await pool.place(partner.key, {
      clientOrderId: 'outage-2',
      skuCode: 'H800',
      regionCode: 'cn-shanghai',
      quantity: 5,
      limitPrice: '120000.00',
    });
    expect(retried.errors).toBeUndefined();
  });
});
