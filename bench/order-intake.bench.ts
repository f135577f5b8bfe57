import 'reflect-metadata';
import autocannon from 'autocannon';
import { Pool } from '../test/support/pool';
import { startApiProcess, startHttpProcess, startWorkerProcess } from '../test/support/processes';
import { BENCH_CREDIT_LIMIT, benchPostgresDir, createBenchDatabase, scaled } from './support/bench-stack';
import { ownCpuSeconds, postgresCpuSeconds, redisCpuSeconds } from '../test/support/process-cpu';
import { sql, topStatements } from './support/top-statements';
import { workersQuiet } from './support/worker-quiet';

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
 * The essential order and placeOrder take turns, ROUNDS rounds of a quarter of the time each, so a
 * machine whose speed drifts within minutes drifts for both alike; before each essential round the
 * worker has caught up (every order matched, every fill settled), so its work is not the baseline's.
 * Each round is measured after WARM_UP seconds on the same connections: what is measured is a
 * client with its connection open, not connections opening (32 at once, some of whose first
 * requests then wait a few hundred ms behind the others whatever the server).
 */
const SKU = 'ASCEND-910B';
const REGION = 'cn-beijing';
const CONNECTIONS = 32;
const ROUNDS = 4;
/** Seconds each round runs on its connections before it is measured. */
const WARM_UP = 1;
const PLACE = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status } }';
const ESSENTIAL =
  'mutation($p: ID!, $c: String!, $m: ID!, $q: Int!, $l: String!) { placeOrder(partnerId: $p, clientOrderId: $c, marketId: $m, quantity: $q, limitPrice: $l) }';

/** One load run of autocannon: every answer's latency. */
interface Run {
  seconds: number;
  requests: number;
  latencies: number[];
  /** Answers with errors or a status other than 200, and requests that timed out. */
  failed: number;
  /** The first failed answer, to say what failed. */
  sample?: string;
}

interface Measured {
  perSecond: number;
  requests: number;
  p50: number;
  p99: number;
  failed: number;
  sample?: string;
}

/**
 * `body(connection)` builds each request of one autocannon connection (a client of its own). With
 * `warmUp`, the clients run that many seconds first on the same connections, unmeasured (answers
 * to requests sent in it are not counted), and `measuring` is called when the measured part starts.
 */
async function load(
  url: string,
  seconds: number,
  body: (client: number) => string,
  key?: (client: number) => string,
  { warmUp = 0, measuring }: { warmUp?: number; measuring?: () => void } = {},
): Promise<Run> {
  let failed = 0;
  let sample: string | undefined;
  let clients = 0;
  const latencies: number[] = [];
  const options: autocannon.Options = {
    url: `${url}/graphql`,
    connections: CONNECTIONS,
    duration: warmUp + seconds,
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
  };
  const measuredFrom = performance.now() + warmUp * 1000;
  const warmedUp = setTimeout(() => measuring?.(), warmUp * 1000);
  const result = await new Promise<autocannon.Result>((done, fail) => {
    const instance = autocannon(options, (error, finished) => (error ? fail(error) : done(finished)));
    instance.on('response', (_client, _status, _bytes, ms) => {
      if (performance.now() - ms >= measuredFrom) latencies.push(ms);
    });
  }).finally(() => clearTimeout(warmedUp));
  return {
    seconds: result.duration - warmUp,
    requests: latencies.length,
    latencies,
    failed: failed + result.errors,
    sample:
      sample ?? (result.errors > 0 ? `${result.timeouts} timeouts, ${result.errors - result.timeouts} other socket errors` : undefined),
  };
}

/** The runs of one server as one stage: its rate over their time, percentiles over every answer. */
function measured(runs: readonly Run[]): Measured {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const requests = runs.reduce((sum, r) => sum + r.requests, 0);
  return {
    perSecond: requests / runs.reduce((sum, r) => sum + r.seconds, 0),
    requests,
    p50: at(0.5),
    p99: at(0.99),
    failed: runs.reduce((sum, r) => sum + r.failed, 0),
    sample: runs.find((r) => r.sample)?.sample,
  };
}

/** CPU seconds used so far by each party of a stage: its servers, Postgres, Redis and this process (the load). */
type CpuReading = Record<'server' | 'worker' | 'postgres' | 'redis' | 'load', number | null>;

function cpuReader(redisUrl: string, server: () => number, worker?: () => number): () => CpuReading {
  const postgresDir = benchPostgresDir();
  const redisPort = Number(new URL(redisUrl).port || 6379);
  return () => ({
    server: server(),
    worker: worker?.() ?? null,
    postgres: postgresCpuSeconds(postgresDir),
    redis: redisCpuSeconds(redisPort),
    load: ownCpuSeconds(),
  });
}

/** CPU milliseconds per request of each party from its CPU seconds; '-' where a party is not on this machine. */
function cpuPerRequest(spent: CpuReading, requests: number): Record<keyof CpuReading, string> {
  const per = (key: keyof CpuReading) => (spent[key] === null ? '-' : ((spent[key]! * 1000) / Math.max(requests, 1)).toFixed(2));
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
    /** A server's rounds and the CPU each party spent in them. */
    const stage = (server: () => number, worker?: () => number) => {
      const read = cpuReader(redisUrl, server, worker);
      const runs: Run[] = [];
      const spent: CpuReading = { server: 0, worker: worker ? 0 : null, postgres: 0, redis: 0, load: 0 };
      return {
        /** A round of `work`, whose CPU is counted from when it calls `measuring` (after its warm-up). */
        round: async (work: (measuring: () => void) => Promise<Run>) => {
          let before = read();
          runs.push(await work(() => (before = read())));
          const after = read();
          for (const party of Object.keys(spent) as (keyof CpuReading)[]) {
            if (spent[party] === null || before[party] === null || after[party] === null) spent[party] = null;
            else spent[party]! += after[party]! - before[party]!;
          }
        },
        measured: () => {
          const m = measured(runs);
          return { ...m, cpu: cpuPerRequest(spent, m.requests) };
        },
      };
    };
    const round = seconds / ROUNDS;
    const drain = () => new Promise((r) => setTimeout(r, 500));
    const essentialStage = stage(essential.cpuSeconds);
    const intakeStage = stage(api.cpuSeconds, worker.cpuSeconds);
    const typenameStage = stage(bare.cpuSeconds);
    await typenameStage.round(() => load(bare.url, seconds, typename));
    let statements: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await workersQuiet((text) => sql(url, text), database.env, 300_000);
      // Each round starts with a second of warm-up on its own connections (their opening, and pools
      // that closed idle connections between rounds refilling, are not what a client with an open
      // connection waits for), after a pause in which the other server answers the requests its
      // last round left in flight.
      await drain();
      await essentialStage.round((measuring) => load(essential.url, round, essentialOrder, undefined, { warmUp: WARM_UP, measuring }));
      await drain();
      const intakeRound = () => intakeStage.round((measuring) => load(api.url, round, order, partnerKey, { warmUp: WARM_UP, measuring }));
      if (i < ROUNDS - 1) await intakeRound();
      else ({ statements } = await topStatements(url, 'placeOrder, its last round, api and worker', intakeRound));
    }
    const baseline = essentialStage.measured();
    const intake = intakeStage.measured();
    const typenameBaseline = typenameStage.measured();
    const [{ placed, matched, filled }] = await sql(
      url,
      `SELECT count(*)::int AS placed, count(*) FILTER (WHERE resting)::int AS matched, count(*) FILTER (WHERE filled_quantity > 0)::int AS filled FROM orders`,
    );
    const samples = [intake, baseline, typenameBaseline].map((m) => m.sample).filter(Boolean);

    const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
    const row = (name: string, m: Measured) =>
      `| ${name} | ${fmt(m.perSecond)} | ${fmt(m.p50, 1)} | ${fmt(m.p99, 1)} | ${fmt(m.failed)} | ${(m.perSecond / baseline.perSecond).toFixed(3)} | ${(m.perSecond / typenameBaseline.perSecond).toFixed(3)} |`;
    const cpuRow = (name: string, { cpu: c }: { cpu: Record<keyof CpuReading, string> }) =>
      `| ${name} | ${c.server} | ${c.worker} | ${c.postgres} | ${c.redis} | ${c.load} |`;
    return [
      '## Order intake',
      '',
      `placeOrder through one api process with a worker process running, ${CONNECTIONS} concurrent clients (one partner each), ` +
        `${seconds} s after a 3 s warm-up (20 s × BENCH_SCALE), in ${ROUNDS} rounds taking turns with the essential order's, each measured after ${WARM_UP} s of warm-up on its connections; ` +
        `${fmt(placed)} orders committed; by the end the worker had run ` +
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
