import 'reflect-metadata';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { benchPartner, createBenchDatabase, gqlClient, scaled, startProcess } from './support/bench-stack';

/**
 * placeOrder intake: 32 concurrent clients (autocannon, one partner each) place GTC orders through
 * an api process of its own for BENCH_SCALE × 20 s, after a 3 s warm-up. Each order is validated,
 * checked for export rules, holds credit and commits before it answers; no worker runs, so the
 * match runs it asks for wait in Redis and the numbers are of intake alone. Baseline, measured the
 * same way in the same run: a bare Apollo Server (@apollo/server standalone) process answering
 * `{ __typename }`.
 */
const SKU = 'ASCEND-910B';
const REGION = 'cn-beijing';
const CONNECTIONS = 32;
const PLACE = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status } }';

interface Measured {
  perSecond: number;
  p50: number;
  p99: number;
  failed: number;
}

async function load(url: string, seconds: number, body: () => string, key?: () => string): Promise<Measured> {
  let failed = 0;
  const result = await autocannon({
    url: `${url}/graphql`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (request, context: { key?: string }) => {
          if (key && !context.key) context.key = key();
          return {
            ...request,
            headers: { 'content-type': 'application/json', ...(context.key ? { authorization: `Bearer ${context.key}` } : {}) },
            body: body(),
          };
        },
        onResponse: (status, responseBody) => {
          if (status !== 200 || responseBody.includes('"errors"')) failed += 1;
        },
      },
    ],
  });
  return {
    perSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: failed + result.errors,
  };
}

export async function run(): Promise<string> {
  const seconds = scaled(20, 3);
  const database = await createBenchDatabase('intake');
  const api = await startProcess('apps/api/src/main.js', database.env);
  const bare = await startProcess('bench/support/bare-apollo.js', { NODE_ENV: 'production' }, '/?query=%7B__typename%7D');
  try {
    const ok = gqlClient(api.url);
    const keys: string[] = [];
    for (let i = 0; i < CONNECTIONS; i++) keys.push((await benchPartner(ok, database.adminKey, `Bench Intake ${i}`)).key);
    await ok(database.adminKey, 'mutation($i: ReceiveInventoryInput!) { receiveInventory(input: $i) { id } }', {
      i: { skuCode: SKU, regionCode: REGION, quantity: 1_000_000, unitCost: '90000.00' },
    });
    await ok(database.adminKey, 'mutation($i: SetAskPriceInput!) { setAskPrice(input: $i) { askPrice } }', {
      i: { skuCode: SKU, regionCode: REGION, price: '100000.00' },
    });

    let nextKey = 0;
    let nextOrder = 0;
    const order = () =>
      JSON.stringify({
        query: PLACE,
        variables: {
          i: {
            clientOrderId: `intake-${++nextOrder}`,
            skuCode: SKU,
            regionCode: REGION,
            quantity: 1 + (nextOrder % 50),
            limitPrice: `${95_000 + (nextOrder % 500)}.00`,
          },
        },
      });
    const typename = () => JSON.stringify({ query: '{ __typename }' });
    const partnerKey = () => keys[nextKey++ % keys.length]!;

    await load(api.url, 3, order, partnerKey);
    await load(bare.url, 3, typename);
    const intake = await load(api.url, seconds, order, partnerKey);
    const baseline = await load(bare.url, seconds, typename);
    const placed = await countOrders(database.env.DATABASE_URL!);
    if (intake.failed > 0 || baseline.failed > 0) {
      throw new Error(`requests failed: placeOrder ${intake.failed}, baseline ${baseline.failed}`);
    }

    const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
    return [
      '## Order intake',
      '',
      `placeOrder through an api process, ${CONNECTIONS} concurrent clients (one partner each), ${seconds} s after a 3 s warm-up ` +
        `(20 s × BENCH_SCALE); ${fmt(placed)} orders committed in all. Baseline in the same run, measured the same way: ` +
        'a bare Apollo Server (`@apollo/server` standalone) process answering `{ __typename }`.',
      '',
      '| server | requests/s | p50 ms | p99 ms | ratio to baseline |',
      '| --- | ---: | ---: | ---: | ---: |',
      `| placeOrder (validate, export check, credit hold, insert, commit, queue a match run) | ${fmt(intake.perSecond)} | ${fmt(intake.p50, 1)} | ${fmt(intake.p99, 1)} | ${(intake.perSecond / baseline.perSecond).toFixed(3)} |`,
      `| baseline: bare Apollo Server, \`{ __typename }\` | ${fmt(baseline.perSecond)} | ${fmt(baseline.p50, 1)} | ${fmt(baseline.p99, 1)} | 1.000 |`,
      '',
    ].join('\n');
  } finally {
    await bare.stop();
    await api.stop();
    await database.drop();
  }
}

async function countOrders(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM orders');
    return rows[0]!.n;
  } finally {
    await client.end();
  }
}

if (require.main === module) {
  void run().then(console.log, (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
