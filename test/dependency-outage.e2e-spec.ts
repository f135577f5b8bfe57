import { isUnavailableError, transactionWithRetry } from '@gpupool/platform';
import { codesOf } from './support/graphql-client';
import { Pool } from './support/pool';
import { startStackBehindProxies, TestStack } from './support/stack';
import { TcpProxy } from './support/tcp-proxy';

/** What the request gave, or 'still waiting' if it has not answered within a minute (the dependency is kept away meanwhile). */
async function answeredWhileDown<T>(request: Promise<T>): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<'still waiting'>((done) => (timer = setTimeout(() => done('still waiting'), 60_000)));
  return Promise.race([request, limit]).finally(() => clearTimeout(timer));
}

describe('while Postgres or Redis is away, requests are answered, not held', () => {
  let stack: TestStack;
  let pool: Pool;
  let redisProxy: TcpProxy;
  let postgresProxy: TcpProxy;
  let partner: { id: string; key: string };

  beforeAll(async () => {
    ({ stack, postgresProxy, redisProxy } = await startStackBehindProxies({ worker: true, env: { SWEEP_INTERVAL_MS: '1000' } }));
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
    const reply = await answeredWhileDown(
      pool.place(partner.key, {
        clientOrderId: 'outage-1',
        skuCode: 'H800',
        regionCode: 'cn-shanghai',
        quantity: 5,
        limitPrice: '120000.00',
      }),
    );
    await redisProxy.open();
    expect(reply).not.toBe('still waiting'); // the match enqueue must not wait in ioredis's offline queue for Redis to return
    if (reply === 'still waiting') return;
    expect(reply.errors).toBeUndefined();
    await pool.until(partner.key, reply.data!.placeOrder.id, (o) => o.status === 'FILLED', 30_000);
  });

  it('answers an order within seconds while Redis holds every command (stalled, not down), and matches it once Redis answers', async () => {
    redisProxy.delayMs = 120_000;
    let reply: Awaited<ReturnType<typeof pool.place>> | 'still waiting';
    const started = Date.now();
    try {
      reply = await answeredWhileDown(
        pool.place(partner.key, {
          clientOrderId: 'outage-3',
          skuCode: 'H800',
          regionCode: 'cn-shanghai',
          quantity: 1,
          limitPrice: '120000.00',
        }),
      );
    } finally {
      // What the proxy holds is dropped with its connections.
      redisProxy.delayMs = 0;
      await redisProxy.cut();
      await redisProxy.open();
    }
    expect(reply).not.toBe('still waiting');
    expect(Date.now() - started).toBeLessThan(20_000); // a Redis command gives up after 3 s; the rate check, the match request and the event
    if (reply === 'still waiting') return;
    expect(reply.errors).toBeUndefined();
    await pool.until(partner.key, reply.data!.placeOrder.id, (o) => o.status === 'FILLED', 30_000);
  });

  it('fails a transaction whose connection is cut under it with the connection’s error, not "query runner already released"', async () => {
    let statements = 0;
    const cutUnder = transactionWithRetry(stack.dataSource, async (em) => {
      await em.query('SELECT 1');
      statements += 1;
      await postgresProxy.cut();
      // TypeORM releases the query runner once the connection reports its loss; then the next statement.
      await new Promise((r) => setTimeout(r, 300));
      await em.query('SELECT 1');
    });
    try {
      const error = await cutUnder.then(
        () => new Error('the transaction went through'),
        (e: unknown) => e,
      );
      expect(statements).toBe(1);
      expect(String(error)).not.toMatch(/already released/);
      expect(isUnavailableError(error)).toBe(true);
    } finally {
      await postgresProxy.open();
    }
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

  it('refuses a key it cannot look up while Postgres is unreachable with 503 SERVICE_UNAVAILABLE', async () => {
    const unseen = await pool.partner('Unseen Partner', 'SG'); // its key was never looked up, so it is not cached
    await postgresProxy.cut();
    try {
      const response = await fetch(`${stack.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${unseen.key}` },
        body: JSON.stringify({ query: '{ me { id } }' }),
      });
      const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
      expect({ status: response.status, codes: body.errors?.map((e) => e.extensions?.code) }).toEqual({
        status: 503,
        codes: ['SERVICE_UNAVAILABLE'],
      });
    } finally {
      await postgresProxy.open();
    }
  });
});
