import 'reflect-metadata';
import autocannon from 'autocannon';
import { resolve } from 'node:path';
import { Pool } from '../test/support/pool';
import { startApiProcess, startHttpProcess, startWorkerProcess } from '../test/support/processes';
import { BENCH_CREDIT_LIMIT, createBenchDatabase, scaled } from './support/bench-stack';
import { ownCpuSeconds, postgresCpuSeconds, redisCpuSeconds } from '../test/support/process-cpu';
import { sql, topStatements } from './support/top-statements';

/**
 * placeOrder intake: 32 concurrent clients (autocannon, one partner each) place GTC orders through
 * one api process for BENCH_SCALE × 20 s, after a 3 s warm-up, with a worker process running, as
 * users run it: the orders are matched (about a third are marketable while the share lasts) and
 * their fills settled while intake goes on. Baselines, measured the same way in the same run, on
 * the same database:
 * - the essential order: a bare Apollo Server whose resolver only locks the partner's credit row,
 *   checks and raises the hold, inserts the order unique on its client key and commits
 *   (node-postgres, a pool of 10; `bench/support/essential-order.ts`);
 * - a bare Apollo Server answering `{ __typename }`.
 * The baselines run first, so the worker's catch-up after the placeOrder stage costs them nothing.
 */
const SKU = 'ASCEND-910B';
const REGION = 'cn-beijing';
const CONNECTIONS = 32;
const PLACE = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status } }';
const ESSENTIAL =
  'mutation($p: ID!, $c: String!, $m: ID!, $q: Int!, $l: String!) { placeOrder(partnerId: $p, clientOrderId: $c, marketId: $m, quantity: $q, limitPrice: $l) }';

interface Measured {
  perSecond: number;
  requests: number;
  p50: number;
  p99: number;
  /** Answers with errors or a status other than 200, and requests that timed out. */
  failed: number;
  /** The first failed answer, to say what failed. */
  sample?: string;
}

/** `body(connection)` builds each request of one autocannon connection (a client of its own). */
async function load(url: string, seconds: number, body: (client: number) => string, key?: (client: number) => string): Promise<Measured> {
  let failed = 0;
  let sample: string | undefined;
  let clients = 0;
  const result = await autocannon({
    url: `${url}/graphql`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (request, context: { client?: number }) => {
          context.client ??= clients++ % CONNECTIONS;
          const authorization = key ? { authorization: `Bearer ${key(context.client)}` } : {};
          return { ...request, headers: { 'content-type': 'application/json', ...authorization }, body: body(context.client) };
        },
        onResponse: (status, responseBody) => {
          if (status !== 200 || responseBody.includes('"errors"')) {
            failed += 1;
            sample ??= `${status} ${responseBody.slice(0, 300)}`;
          }
        },
      },
    ],
  });
  return {
    perSecond: result.requests.average,
    requests: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: failed + result.errors,
    sample:
      sample ?? (result.errors > 0 ? `${result.timeouts} timeouts, ${result.errors - result.timeouts} other socket errors` : undefined),
  };
}

/** CPU seconds used so far by each party of a stage: its servers, Postgres, Redis and this process (the load). */
type CpuReading = Record<'server' | 'worker' | 'postgres' | 'redis' | 'load', number | null>;

function cpuReader(redisUrl: string, server: () => number, worker?: () => number): () => CpuReading {
  const postgresDir = resolve('.data/bench/postgres');
  const redisPort = Number(new URL(redisUrl).port || 6379);
  return () => ({
    server: server(),
    worker: worker?.() ?? null,
    postgres: postgresCpuSeconds(postgresDir),
    redis: redisCpuSeconds(redisPort),
    load: ownCpuSeconds(),
  });
}

/** CPU milliseconds per request of each party between two readings; '-' where a party is not on this machine. */
function cpuPerRequest(before: CpuReading, after: CpuReading, requests: number): Record<keyof CpuReading, string> {
  const per = (key: keyof CpuReading) =>
    before[key] === null || after[key] === null ? '-' : (((after[key]! - before[key]!) * 1000) / Math.max(requests, 1)).toFixed(2);
  return { server: per('server'), worker: per('worker'), postgres: per('postgres'), redis: per('redis'), load: per('load') };
}

export async function run(): Promise<string> {
  const seconds = scaled(20, 3);
  const database = await createBenchDatabase('intake');
  const url = database.env.DATABASE_URL!;
  await sql(url, 'CREATE TABLE essential_orders (LIKE orders INCLUDING ALL)');
  const api = await startApiProcess(database.env);
  const worker = await startWorkerProcess(database.env);
  const bare = await startHttpProcess('bench/support/bare-apollo.js', { NODE_ENV: 'production' }, '/?query=%7B__typename%7D');
  const essential = await startHttpProcess(
    'bench/support/essential-order.js',
    { NODE_ENV: 'production', DATABASE_URL: url },
    '/?query=%7B__typename%7D',
  );
  try {
    const pool = new Pool({ url: api.url, adminKey: database.adminKey });
    const keys: string[] = [];
    const baselinePartners: string[] = [];
    for (let i = 0; i < CONNECTIONS; i++) keys.push((await pool.partner(`Bench Intake ${i}`, 'SG', BENCH_CREDIT_LIMIT)).key);
    for (let i = 0; i < CONNECTIONS; i++) baselinePartners.push((await pool.partner(`Bench Essential ${i}`, 'SG', BENCH_CREDIT_LIMIT)).id);
    await pool.receive(SKU, REGION, 1_000_000, '90000.00');
    await pool.ask(SKU, REGION, '100000.00');
    // A cap of 50,000 units: the marketable third of the orders fill, then rest once it is sold out.
    await pool.share('5.00', SKU, 'benchmark: intake');
    const [{ id: marketId }] = await sql(url, 'SELECT id FROM market LIMIT 1');

    let nextOrder = 0;
    const order = () => {
      const n = ++nextOrder;
      return JSON.stringify({
        query: PLACE,
        variables: {
          i: {
            clientOrderId: `intake-${n}`,
            skuCode: SKU,
            regionCode: REGION,
            quantity: 1 + (n % 10),
            limitPrice: `${98_000 + (n % 30) * 100}.00`,
          },
        },
      });
    };
    const essentialOrder = (client: number) => {
      const n = ++nextOrder;
      return JSON.stringify({
        query: ESSENTIAL,
        variables: { p: baselinePartners[client], c: `essential-${n}`, m: marketId, q: 1 + (n % 10), l: `${98_000 + (n % 30) * 100}.00` },
      });
    };
    const typename = () => JSON.stringify({ query: '{ __typename }' });
    const partnerKey = (client: number) => keys[client]!;

    await load(essential.url, 3, essentialOrder);
    await load(bare.url, 3, typename);
    await load(api.url, 3, order, partnerKey);
    const redisUrl = database.env.REDIS_URL!;
    const cpu = new Map<Measured, Record<keyof CpuReading, string>>();
    const stage = async (work: () => Promise<Measured>, server: () => number, worker?: () => number) => {
      const read = cpuReader(redisUrl, server, worker);
      const before = read();
      const measured = await work();
      cpu.set(measured, cpuPerRequest(before, read(), measured.requests));
      return measured;
    };
    const baseline = await stage(() => load(essential.url, seconds, essentialOrder), essential.cpuSeconds);
    const typenameBaseline = await stage(() => load(bare.url, seconds, typename), bare.cpuSeconds);
    const { measured: intake, statements } = await topStatements(url, 'placeOrder stage, api and worker', () =>
      stage(() => load(api.url, seconds, order, partnerKey), api.cpuSeconds, worker.cpuSeconds),
    );
    const [{ placed, matched, filled }] = await sql(
      url,
      `SELECT count(*)::int AS placed, count(*) FILTER (WHERE resting)::int AS matched, count(*) FILTER (WHERE filled_quantity > 0)::int AS filled FROM orders`,
    );
    const samples = [intake, baseline, typenameBaseline].map((m) => m.sample).filter(Boolean);

    const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
    const row = (name: string, m: Measured) =>
      `| ${name} | ${fmt(m.perSecond)} | ${fmt(m.p50, 1)} | ${fmt(m.p99, 1)} | ${fmt(m.failed)} | ${(m.perSecond / baseline.perSecond).toFixed(3)} | ${(m.perSecond / typenameBaseline.perSecond).toFixed(3)} |`;
    const cpuRow = (name: string, m: Measured) => {
      const c = cpu.get(m)!;
      return `| ${name} | ${c.server} | ${c.worker} | ${c.postgres} | ${c.redis} | ${c.load} |`;
    };
    return [
      '## Order intake',
      '',
      `placeOrder through one api process with a worker process running, ${CONNECTIONS} concurrent clients (one partner each), ` +
        `${seconds} s after a 3 s warm-up (20 s × BENCH_SCALE); ${fmt(placed)} orders committed; by the end the worker had run ` +
        `${fmt(matched)} of them through a match run and filled ${fmt(filled)}. ` +
        'Baselines in the same run and database, measured the same way: the essential order ' +
        '(bare Apollo Server; lock the credit row, check and raise the hold, insert unique on the client key, commit; ' +
        'node-postgres pool of 10) and a bare Apollo Server answering `{ __typename }`. Goal: ≥ 0.5 × the essential order, p99 ≤ 100 ms.',
      '',
      '| server | requests/s | p50 ms | p99 ms | failed | ratio to essential order | ratio to bare Apollo |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      row('placeOrder (validate, export headroom, credit hold, insert, commit, queue a match run, publish)', intake),
      row('baseline: essential order, bare Apollo Server + node-postgres', baseline),
      row('baseline: bare Apollo Server, `{ __typename }`', typenameBaseline),
      '',
      'CPU milliseconds per request, by party, in the same stages (what bounds the rate on a machine whose cores they share):',
      '',
      '| stage | server | worker | Postgres | Redis | load generator |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      cpuRow('placeOrder (server: the api)', intake),
      cpuRow('essential order', baseline),
      cpuRow('bare Apollo', typenameBaseline),
      '',
      ...statements,
      '',
      ...samples.map((sample) => `- a failed answer: \`${sample}\``),
      '',
    ].join('\n');
  } finally {
    await essential.stop();
    await bare.stop();
    await worker.stop();
    await api.stop();
    await database.drop();
  }
}

if (require.main === module) {
  void run().then(console.log, (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
