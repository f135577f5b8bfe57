import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Pool as PgPool } from 'pg';
import { DataSource } from 'typeorm';
import { AppProcess, startApiProcess, startWorkerProcess } from '../support/processes';
import { settlementViolations } from '../support/settlement-invariants';
import { TcpProxy } from '../support/tcp-proxy';
import { tradingViolations } from '../support/trading-invariants';
import { FaultKind, PlannedFault, RunPlan } from './plan';
import { seededRandom } from '../support/seeded-random';
import { ChaosPostgres, ChaosRedis } from './services';

/** What a run is given: the campaign's own Postgres and Redis, the api ports it may use, where to write logs. */
export interface ChaosEnv {
  postgres: ChaosPostgres;
  redis: ChaosRedis;
  apiPorts: [number, number];
  dataDir: string;
}

export interface FaultRecord {
  kind: FaultKind;
  /** For worker kills: whether the worker was caught in the middle of that job (else it was killed anyway). */
  caughtMidJob?: boolean;
  /** From the fault's end until every api answers /health 200, ms. */
  healthMs?: number;
  /** From the fault's end until a new order is matched, ms. */
  matchMs?: number;
  /** From the fault's end until every fill made before it is settled, ms. */
  settledMs?: number;
  /** The slowest request that failed while the fault lasted, ms. */
  slowestFailureMs?: number;
}

export interface RunResult {
  seed: number;
  ok: boolean;
  violations: Record<string, unknown>;
  faults: FaultRecord[];
  orders: number;
  acknowledged: number;
  fills: number;
  requests: Record<string, number>;
  durationMs: number;
  /** Where the time went: set-up (processes and market), faults with their recoveries, coming to rest and checking. */
  phasesMs: { setup: number; faults: number; rest: number };
  logs?: string;
}

/** A migrated database each run's database is cloned from (see campaign.ts). */
export const CHAOS_TEMPLATE = 'chaos_template';
const QUICK_RECOVERY = { WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000', SWEEP_INTERVAL_MS: '1000' };
const RECOVERY_TIMEOUT_MS = 45_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** A request that fails takes at most this long, even while Postgres or Redis is away. */
const FAIL_FAST_MS = 10_000;
const SKUS = ['H20', 'H100', 'H800', 'A100', 'ASCEND-910B', 'ASCEND-910C', 'MLU370'];
const REGIONS = ['cn-beijing', 'cn-shanghai', 'ap-singapore'];
const PROBE = { sku: 'A100', region: 'ap-singapore', ask: '50000.00' };
/** Codes a request may fairly get in a busy market with faults; anything else is a finding. */
const EXPECTED_CODES = new Set([
  'INSUFFICIENT_CREDIT',
  'EXPORT_PROHIBITED',
  'EXPORT_LICENSE_REQUIRED',
  'MARKET_NOT_OFFERED',
  'ORDER_NOT_CANCELLABLE',
  'BAD_USER_INPUT',
  'SERVICE_UNAVAILABLE',
  'SERVICE_BUSY',
  'NETWORK',
]);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Reply {
  data?: Record<string, any>;
  code?: string;
  message?: string;
  ms: number;
}

interface Slot {
  name: string;
  kind: 'api' | 'worker';
  port?: number;
  pgProxy: TcpProxy;
  redisProxy: TcpProxy;
  process?: AppProcess & { url?: string };
  plannedDown: boolean;
  restarting?: Promise<void>;
  unplannedExits: number;
  logs: string[];
}

/** One chaos run: its own database, processes and market, the planned faults, then every promise checked. */
export async function chaosRun(env: ChaosEnv, plan: RunPlan): Promise<RunResult> {
  const started = Date.now();
  const random = seededRandom(plan.seed ^ 0x5eed).next;
  const between = (lo: number, hi: number) => Math.floor(lo + random() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const violations: Record<string, unknown> = {};
  const violation = (name: string, detail: unknown) => {
    const list = ((violations[name] as unknown[]) ??= []);
    if (list.length < 5) list.push(detail);
  };
  const requests: Record<string, number> = {};
  const faults: FaultRecord[] = [];

  const database = `chaos_${plan.seed}_${randomBytes(3).toString('hex')}`;
  await env.postgres.query('postgres', `CREATE DATABASE ${database} TEMPLATE ${CHAOS_TEMPLATE}`);
  const flush = new Redis(env.redis.url, { maxRetriesPerRequest: 1 });
  flush.on('error', () => undefined);
  await flush.flushall();
  const db = new PgPool({ connectionString: env.postgres.url(database), max: 4 });
  db.on('error', () => undefined);
  /** The runner's own queries go straight to Postgres and wait out a restart. */
  const sql = async <T = any>(text: string, params: unknown[] = []): Promise<T[]> => {
    const deadline = Date.now() + RECOVERY_TIMEOUT_MS;
    for (;;) {
      try {
        return (await db.query(text, params)).rows as T[];
      } catch (error) {
        if (Date.now() > deadline || !/ECONNREFUSED|ECONNRESET|terminat|shutting down|starting up|Connection|timeout/i.test(String(error)))
          throw error;
        await sleep(100);
      }
    }
  };

  const adminKey = `chaos-admin-${randomBytes(12).toString('hex')}`;
  const prefix = `c${plan.seed}`;
  const reportsDir = resolve(env.dataDir, 'reports', database);
  mkdirSync(reportsDir, { recursive: true });
  const slots: Slot[] = [];
  const newSlot = async (name: string, kind: Slot['kind'], port?: number): Promise<Slot> => {
    const slot: Slot = {
      name,
      kind,
      port,
      pgProxy: await new TcpProxy('127.0.0.1', env.postgres.port).open(),
      redisProxy: await new TcpProxy('127.0.0.1', env.redis.port).open(),
      plannedDown: true,
      unplannedExits: 0,
      logs: [],
    };
    slots.push(slot);
    return slot;
  };
  const appEnv = (slot: Slot): Record<string, string> => ({
    NODE_ENV: 'production',
    DATABASE_URL: slot.pgProxy.via(env.postgres.url(database)),
    REDIS_URL: slot.redisProxy.via(env.redis.url),
    QUEUE_PREFIX: prefix,
    BOOTSTRAP_ADMIN_KEY: adminKey,
    DB_POOL_SIZE: '5',
    WORKER_CONCURRENCY: '2',
    RATE_LIMIT_PER_SECOND: '0',
    REPORTS_DIR: reportsDir,
    WORKER_HTTP_PORT: '0', // two workers on one host
    ...QUICK_RECOVERY,
  });
  const startSlot = async (slot: Slot): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        slot.process = slot.kind === 'api' ? await startApiProcess(appEnv(slot), slot.port) : await startWorkerProcess(appEnv(slot));
        slot.plannedDown = false;
        return;
      } catch (error) {
        slot.logs.push(String(error).slice(-4000));
        if (attempt >= 5) throw error;
        await sleep(500);
      }
    }
  };
  const killSlot = async (slot: Slot): Promise<void> => {
    slot.plannedDown = true;
    if (slot.process) slot.logs.push(slot.process.log());
    await slot.process?.kill();
  };

  const apis = [await newSlot('api-0', 'api', env.apiPorts[0])];
  if (plan.apis === 2) apis.push(await newSlot('api-1', 'api', env.apiPorts[1]));
  const workers = [await newSlot('worker-0', 'worker'), await newSlot('worker-1', 'worker')];
  const liveApis = () => apis.filter((s) => !s.plannedDown && s.process?.alive());

  // A supervisor: a process that exits on its own is a finding, and is started again.
  const supervisor = setInterval(() => {
    for (const slot of slots) {
      if (slot.plannedDown || slot.restarting || !slot.process || slot.process.alive()) continue;
      slot.unplannedExits++;
      slot.logs.push(slot.process.log());
      violation('a process exited on its own', { process: slot.name, log: slot.process.log().slice(-1500) });
      slot.restarting = startSlot(slot)
        .catch((error) => violation('a process could not be started again', { process: slot.name, error: String(error).slice(-1500) }))
        .finally(() => (slot.restarting = undefined));
    }
  }, 200);

  const gql = async (key: string, query: string, variables?: Record<string, unknown>): Promise<Reply> => {
    const api = liveApis();
    const t0 = Date.now();
    if (api.length === 0) {
      await sleep(50);
      return { code: 'NETWORK', message: 'no api up', ms: Date.now() - t0 };
    }
    const url = pick(api).process!.url!;
    try {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = (await response.json()) as {
        data?: Record<string, any>;
        errors?: { message: string; extensions?: { code?: string } }[];
      };
      const error = body.errors?.[0];
      return {
        data: error ? undefined : body.data,
        code: error ? String(error.extensions?.code) : undefined,
        message: error?.message,
        ms: Date.now() - t0,
      };
    } catch (error) {
      return { code: /timeout|aborted/i.test(String(error)) ? 'TIMEOUT' : 'NETWORK', message: String(error), ms: Date.now() - t0 };
    }
  };
  let activeFault: { kind: FaultKind; since: number; slowest: number } | undefined;
  /** Every request goes through here: counted by outcome; unclear codes and slow failures are findings. */
  const call = async (key: string, query: string, variables?: Record<string, unknown>): Promise<Reply> => {
    const fault = activeFault;
    const reply = await gql(key, query, variables);
    const outcome = reply.code ?? 'OK';
    requests[outcome] = (requests[outcome] ?? 0) + 1;
    if (reply.code) {
      if (fault) fault.slowest = Math.max(fault.slowest, reply.ms);
      if (!EXPECTED_CODES.has(reply.code))
        violation('a request failed without a clear code', {
          code: reply.code,
          message: reply.message,
          fault: fault?.kind,
          query: query.slice(0, 60),
        });
      if (reply.ms > FAIL_FAST_MS)
        violation('a request failed slowly', { ms: reply.ms, code: reply.code, fault: fault?.kind, query: query.slice(0, 60) });
    }
    return reply;
  };
  /** A call that must succeed (set-up); retried through faults. */
  const must = async (key: string, query: string, variables?: Record<string, unknown>): Promise<Record<string, any>> => {
    for (let attempt = 0; ; attempt++) {
      const reply = await call(key, query, variables);
      if (reply.data) return reply.data;
      if (attempt > 50 || !['NETWORK', 'SERVICE_UNAVAILABLE', 'SERVICE_BUSY', 'TIMEOUT'].includes(reply.code!))
        throw new Error(`${query.slice(0, 80)} failed: ${reply.code} ${reply.message}`);
      await sleep(200);
    }
  };

  const acknowledged: { id: string; partnerId: string; clientOrderId: string }[] = [];
  const placed = new Map<string, string>(); // clientOrderId -> order id
  let placeSeq = 0;
  const PLACE = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status } }';
  /** Places an order, retrying with the same clientOrderId through faults; records it once acknowledged. */
  const place = async (partner: { id: string; key: string }, input: Record<string, unknown>): Promise<Reply> => {
    let reply: Reply = { ms: 0 };
    for (let attempt = 0; attempt < 4; attempt++) {
      reply = await call(partner.key, PLACE, { i: input });
      if (reply.data) {
        const id = reply.data.placeOrder.id as string;
        const clientOrderId = String(input.clientOrderId);
        if (placed.has(clientOrderId) && placed.get(clientOrderId) !== id)
          violation('a retried clientOrderId answered with another order', { clientOrderId, first: placed.get(clientOrderId), then: id });
        if (!placed.has(clientOrderId)) acknowledged.push({ id, partnerId: partner.id, clientOrderId });
        placed.set(clientOrderId, id);
        return reply;
      }
      if (!['NETWORK', 'SERVICE_UNAVAILABLE', 'SERVICE_BUSY', 'TIMEOUT'].includes(reply.code!)) return reply;
      await sleep(150 * (attempt + 1));
    }
    return reply;
  };

  /** A traffic loop that outlives a failed step of its own (the runner's query waited out too long, say). */
  const keepGoing = (step: () => Promise<void>) =>
    (async () => {
      while (!stopping) {
        await step().catch((error: unknown) => {
          requests.RUNNER_ERROR = (requests.RUNNER_ERROR ?? 0) + 1;
          console.error(`seed ${plan.seed}: traffic step failed: ${String(error)}`);
        });
      }
    })();
  const counters = { ask: { attempted: 0, acked: 0 }, share: { attempted: 0, acked: 0 }, receive: { attempted: 0, acked: 0 } };
  let stopping = false;
  const loops: Promise<void>[] = [];
  try {
    await startSlot(apis[0]!); // migrates the database
    await Promise.all(slots.filter((s) => s !== apis[0]).map(startSlot));

    // The market: partners, trading markets with supply and asks, a probe market with plenty.
    const pairs = SKUS.flatMap((sku) => REGIONS.map((region) => ({ sku, region }))).filter(
      (m) => !(m.sku === PROBE.sku && m.region === PROBE.region),
    );
    const markets = Array.from({ length: 4 }, () => pairs.splice(Math.floor(random() * pairs.length), 1)[0]!);
    const asks = new Map(markets.map((m) => [`${m.sku}/${m.region}`, between(95, 160) * 1000]));
    const partners: { id: string; key: string }[] = [];
    for (let i = 0; i < plan.partners + 1; i++) {
      const { createPartner } = await must(adminKey, 'mutation($i: CreatePartnerInput!) { createPartner(input: $i) { id } }', {
        i: { name: `Chaos ${plan.seed} firm ${i}`, countryCode: i % 2 && i < plan.partners ? 'CN' : 'SG', creditLimit: '1000000000000.00' },
      });
      const { issueApiKey } = await must(adminKey, 'mutation($i: IssueApiKeyInput!) { issueApiKey(input: $i) { key } }', {
        i: { role: 'PARTNER', partnerId: createPartner.id, label: 'desk' },
      });
      partners.push({ id: createPartner.id, key: issueApiKey.key });
    }
    const prober = partners.pop()!;
    const RECEIVE = 'mutation($i: ReceiveInventoryInput!) { receiveInventory(input: $i) { id } }';
    const ASK = 'mutation($i: SetAskPriceInput!) { setAskPrice(input: $i) { askPrice } }';
    const SHARE = 'mutation($i: SetSellableShareInput!) { setSellableShare(input: $i) { globalPercent } }';
    await must(adminKey, SHARE, { i: { percent: '5.00', reason: 'chaos set-up' } });
    await must(adminKey, RECEIVE, { i: { skuCode: PROBE.sku, regionCode: PROBE.region, quantity: 1_000_000, unitCost: '40000.00' } });
    await must(adminKey, ASK, { i: { skuCode: PROBE.sku, regionCode: PROBE.region, price: PROBE.ask } });
    for (const m of markets) {
      await must(adminKey, RECEIVE, { i: { skuCode: m.sku, regionCode: m.region, quantity: between(5000, 30000), unitCost: '90000.00' } });
      await must(adminKey, ASK, { i: { skuCode: m.sku, regionCode: m.region, price: `${asks.get(`${m.sku}/${m.region}`)}.00` } });
    }
    counters.share.acked = counters.share.attempted = 1;
    counters.receive.acked = counters.receive.attempted = 1 + markets.length;
    counters.ask.acked = counters.ask.attempted = 1 + markets.length;

    const REPORT = 'mutation($i: RequestSettlementReportInput!) { requestSettlementReport(input: $i) { id } }';
    const period = { from: new Date(started - 86_400_000).toISOString(), to: new Date(started + 86_400_000).toISOString() };
    const requestReports = async (count: number, format: 'CSV' | 'XLSX') => {
      for (let i = 0; i < count; i++) await call(adminKey, REPORT, { i: { ...period, format } });
    };

    // Traffic: partners place and cancel, operators move share, prices and inventory, finance takes payments.
    const openOrders: { id: string; key: string }[] = [];
    let paymentSeq = 0;
    for (let c = 0; c < plan.clients; c++) {
      const partner = partners[c % partners.length]!;
      loops.push(
        keepGoing(async () => {
          const r = random();
          if (r < 0.7) {
            const m = pick(markets);
            const ask = asks.get(`${m.sku}/${m.region}`)!;
            const reply = await place(partner, {
              clientOrderId: `c${plan.seed}-${c}-${++placeSeq}`,
              skuCode: m.sku,
              regionCode: m.region,
              quantity: between(1, 60),
              limitPrice: `${Math.round(ask * (0.93 + random() * 0.2))}.00`,
              timeInForce: pick(['GTC', 'GTC', 'GTC', 'IOC', 'FOK']),
            });
            if (reply.data) openOrders.push({ id: reply.data.placeOrder.id, key: partner.key });
          } else if (r < 0.85 && openOrders.length > 0) {
            const order = openOrders.splice(Math.floor(random() * openOrders.length), 1)[0]!;
            await call(order.key, 'mutation($id: ID!) { cancelOrder(id: $id) { status } }', { id: order.id });
          } else {
            await call(
              partner.key,
              '{ orders(first: 20) { totalCount edges { node { id status filledQuantity } } } fills(first: 20) { edges { node { quantity price } } } }',
            );
          }
          await sleep(between(10, 80));
        }),
      );
    }
    loops.push(
      keepGoing(async () => {
        const m = pick(markets);
        const r = random();
        if (r < 0.4) {
          const price = between(95, 160) * 1000;
          counters.ask.attempted++;
          const reply = await call(adminKey, ASK, { i: { skuCode: m.sku, regionCode: m.region, price: `${price}.00` } });
          if (reply.data) {
            counters.ask.acked++;
            asks.set(`${m.sku}/${m.region}`, price);
          }
        } else if (r < 0.7) {
          counters.share.attempted++;
          const input =
            random() < 0.5
              ? { percent: `${between(2, 9)}.${between(0, 9)}0` }
              : { percent: `${between(1, 9)}.${between(10, 99)}`, skuCode: m.sku };
          if ((await call(adminKey, SHARE, { i: { ...input, reason: 'chaos' } })).data) counters.share.acked++;
        } else {
          counters.receive.attempted++;
          const input = { skuCode: m.sku, regionCode: m.region, quantity: between(100, 3000), unitCost: `${between(80, 95)}000.00` };
          if ((await call(adminKey, RECEIVE, { i: input })).data) counters.receive.acked++;
        }
        await sleep(between(150, 500));
      }),
      keepGoing(async () => {
        await sleep(between(300, 800));
        const partner = pick(partners);
        const [row] = await sql<{ receivable: string }>('SELECT receivable::text FROM partner WHERE id = $1', [partner.id]);
        const cents = BigInt(row!.receivable.replace('.', ''));
        if (cents <= 0n) return;
        const pay = (cents * BigInt(between(10, 60))) / 100n;
        if (pay <= 0n) return;
        const amount = `${pay / 100n}.${String(pay % 100n).padStart(2, '0')}`;
        await call(adminKey, 'mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { id } }', {
          i: { partnerId: partner.id, amount, reference: `chaos-${plan.seed}-${++paymentSeq}` },
        });
      }),
    );
    await requestReports(1, 'CSV');
    await sleep(1500);
    const faultsFrom = Date.now();

    // The faults, one after another, each with its recovery measured.
    let probeSeq = 0;
    const measureRecovery = async (record: FaultRecord, endedAt: number): Promise<void> => {
      const [{ now }] = await sql<{ now: Date }>('SELECT now()');
      const within = async (what: string, probe: () => Promise<boolean>): Promise<number | undefined> => {
        while (!(await probe().catch(() => false))) {
          if (Date.now() - endedAt > RECOVERY_TIMEOUT_MS) {
            violation(`no recovery within ${RECOVERY_TIMEOUT_MS / 1000} s`, { fault: record.kind, waitingFor: what });
            return undefined;
          }
          await sleep(25);
        }
        return Date.now() - endedAt;
      };
      const health = async (slot: Slot) =>
        (await fetch(`${slot.process!.url}/health`, { signal: AbortSignal.timeout(3000) }).catch(() => undefined))?.status === 200;
      let probeId: string | undefined;
      const clientOrderId = `probe-${plan.seed}-${++probeSeq}`;
      [record.healthMs, record.matchMs, record.settledMs] = await Promise.all([
        within('/health 200', async () => (await Promise.all(liveApis().map(health))).every(Boolean) && liveApis().length === apis.length),
        within('a new order matched', async () => {
          if (!probeId) {
            const reply = await place(prober, {
              clientOrderId,
              skuCode: PROBE.sku,
              regionCode: PROBE.region,
              quantity: 1,
              limitPrice: PROBE.ask,
              timeInForce: 'GTC',
            });
            probeId = reply.data?.placeOrder.id;
            if (!probeId) return false;
          }
          const [order] = await sql<{ status: string }>('SELECT status FROM orders WHERE id = $1', [probeId]);
          return order?.status === 'FILLED';
        }),
        within('the fills made before it settled', async () => {
          const [row] = await sql<{ n: number }>(
            'SELECT count(*)::int AS n FROM fill f WHERE f.executed_at <= $1 AND NOT EXISTS (SELECT 1 FROM settlement s WHERE s.fill_id = f.id)',
            [now],
          );
          return row!.n === 0;
        }),
      ]);
    };
    /** The worker whose Postgres session matches `busy` right now, polled until `timeoutMs`. */
    const workerBusy = async (busy: string, timeoutMs: number): Promise<Slot | undefined> => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const rows = await sql<{ port: number }>(
          `SELECT a.client_port AS port FROM pg_stat_activity a WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND (${busy})`,
        );
        for (const row of rows) {
          const slot = workers.find((w) => !w.plannedDown && w.pgProxy.upstreamPorts().has(row.port));
          if (slot) return slot;
        }
        await sleep(5);
      }
      return undefined;
    };
    const writing = (tables: string) =>
      `EXISTS (SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.pid = a.pid AND l.granted AND l.mode = 'RowExclusiveLock' AND c.relname IN (${tables}))`;
    const BUSY: Partial<Record<FaultKind, string>> = {
      'worker-kill-mid-match': `${writing("'fill', 'orders'")} AND NOT ${writing("'settlement'")}`,
      'worker-kill-mid-settlement': writing("'settlement'"),
      'worker-kill-mid-report': `a.xact_start IS NOT NULL AND a.query ~* 'settlement' AND NOT ${writing("'settlement', 'fill', 'orders'")}
                                 AND EXISTS (SELECT 1 FROM settlement_report WHERE status = 'RUNNING')`,
    };

    const inject = async (fault: PlannedFault, record: FaultRecord): Promise<void> => {
      const down = () => sleep(fault.durationMs);
      switch (fault.kind) {
        case 'worker-kill-mid-match':
        case 'worker-kill-mid-settlement':
        case 'worker-kill-mid-report': {
          if (fault.kind === 'worker-kill-mid-report') await requestReports(3, 'XLSX');
          const busy = await workerBusy(BUSY[fault.kind]!, 8000);
          record.caughtMidJob = busy !== undefined;
          const worker = busy ?? workers[fault.target]!;
          await killSlot(worker);
          await down();
          await startSlot(worker);
          return;
        }
        case 'api-kill-in-flight': {
          const api = apis[fault.target % apis.length]!;
          await killSlot(api);
          await down();
          await startSlot(api);
          return;
        }
        case 'redis-restart':
          await env.redis.stop();
          await down();
          await env.redis.start();
          return;
        case 'redis-cut':
          await Promise.all(slots.map((s) => s.redisProxy.cut()));
          await down();
          await Promise.all(slots.map((s) => s.redisProxy.open()));
          return;
        case 'redis-flush':
          await flush.flushall();
          return;
        case 'postgres-cut':
          await Promise.all(slots.map((s) => s.pgProxy.cut()));
          await down();
          await Promise.all(slots.map((s) => s.pgProxy.open()));
          return;
        case 'postgres-restart':
          await env.postgres.stop();
          await down();
          await env.postgres.start();
          return;
        case 'job-delivered-twice': {
          // Jobs whose work is already done (or in flight) arrive again under new job ids.
          const again = `again-${Date.now()}`;
          const queue = (name: string) => new Queue(name, { connection: { url: env.redis.url, maxRetriesPerRequest: 1 }, prefix });
          const [settlement, matching, reports] = [queue('settlement'), queue('matching'), queue('reports')];
          try {
            const fills = await sql<{ id: string }>('SELECT id FROM fill ORDER BY executed_at DESC LIMIT 40');
            await settlement.addBulk(
              fills.map((f) => ({ name: 'settle-fill', data: { fillId: f.id }, opts: { jobId: `${again}-${f.id}` } })),
            );
            const marketRows = await sql<{ id: string }>('SELECT id FROM market');
            await matching.addBulk(
              marketRows.map((m) => ({ name: 'match-market', data: { marketId: m.id }, opts: { jobId: `${again}-${m.id}` } })),
            );
            const reportRows = await sql<{ id: string }>('SELECT id FROM settlement_report');
            await reports.addBulk(
              reportRows.map((r) => ({ name: 'build-report', data: { reportId: r.id }, opts: { jobId: `${again}-${r.id}` } })),
            );
          } finally {
            await Promise.all([settlement, matching, reports].map((q) => q.close()));
          }
          return;
        }
      }
    };

    for (const fault of plan.faults) {
      await sleep(fault.afterMs);
      const record: FaultRecord = { kind: fault.kind };
      activeFault = { kind: fault.kind, since: Date.now(), slowest: 0 };
      await inject(fault, record);
      const endedAt = Date.now();
      const window = activeFault;
      await measureRecovery(record, endedAt);
      activeFault = undefined;
      record.slowestFailureMs = window.slowest;
      faults.push(record);
    }
    stopping = true;
    await Promise.all(loops);
    const restFrom = Date.now();

    // Quiet: nothing queued or running, every open order through a run, every fill settled, every report built.
    const queues = ['matching', 'settlement', 'reports'].map(
      (name) => new Queue(name, { connection: { url: env.redis.url, maxRetriesPerRequest: 1 }, prefix }),
    );
    try {
      const quietBy = Date.now() + 60_000;
      let quietTimes = 0;
      let last: unknown;
      while (quietTimes < 2) {
        const counts = await Promise.all(queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')));
        const [row] = await sql(
          `SELECT (SELECT count(*)::int FROM orders WHERE status IN ('OPEN', 'PARTIALLY_FILLED') AND NOT resting) AS unseen,
                  (SELECT count(*)::int FROM fill f WHERE NOT EXISTS (SELECT 1 FROM settlement s WHERE s.fill_id = f.id)) AS unsettled,
                  (SELECT count(*)::int FROM settlement_report WHERE status IN ('QUEUED', 'RUNNING')) AS building`,
        );
        last = { counts, ...row };
        const busy = counts.some((c) => Object.values(c).some((n) => n > 0)) || row.unseen > 0 || row.unsettled > 0 || row.building > 0;
        quietTimes = busy ? 0 : quietTimes + 1;
        if (Date.now() > quietBy) {
          violation('the system never came to rest within 60 s', last);
          break;
        }
        await sleep(200);
      }
      const failed = await Promise.all(queues.map(async (q) => ({ queue: q.name, failed: await q.getFailedCount() })));
      for (const f of failed) if (f.failed > 0) violation('a job failed for good', f);
    } finally {
      await Promise.all(queues.map((q) => q.close()));
    }

    // The final report: its totals must equal the ledger's.
    const { requestSettlementReport } = await must(adminKey, REPORT, {
      i: { from: period.from, to: new Date(Date.now() + 60_000).toISOString(), format: 'CSV' },
    });
    const reportBy = Date.now() + 30_000;
    let report: Record<string, any> | undefined;
    while (Date.now() < reportBy) {
      [report] = await sql('SELECT * FROM settlement_report WHERE id = $1', [requestSettlementReport.id]);
      if (report && ['SUCCEEDED', 'FAILED'].includes(report.status)) break;
      await sleep(100);
    }
    const [ledger] = await sql(
      `SELECT count(DISTINCT s.id)::int AS rows,
              (SELECT COALESCE(sum(quantity), 0)::bigint FROM fill)::text AS quantity,
              COALESCE(-sum(p.amount) FILTER (WHERE a.code = 'SALES_REVENUE'), 0)::numeric(24,2)::text AS net,
              COALESCE(-sum(p.amount) FILTER (WHERE a.code = 'VAT_PAYABLE'), 0)::numeric(24,2)::text AS tax,
              COALESCE(sum(p.amount) FILTER (WHERE a.code LIKE 'RECEIVABLE:%'), 0)::numeric(24,2)::text AS gross,
              COALESCE(sum(p.amount) FILTER (WHERE a.code = 'COGS'), 0)::numeric(24,2)::text AS cost
         FROM journal_entry j JOIN settlement s ON s.journal_entry_id = j.id
         JOIN posting p ON p.journal_entry_id = j.id JOIN ledger_account a ON a.id = p.account_id
        WHERE j.source_type = 'fill'`,
    );
    const reported = report && {
      rows: report.row_count,
      quantity: String(report.total_quantity),
      net: report.total_net_amount,
      tax: report.total_tax_amount,
      gross: report.total_gross_amount,
      cost: report.total_cost_amount,
    };
    if (report?.status !== 'SUCCEEDED') violation('the final report was not built', report ?? 'no report row');
    else if (JSON.stringify(reported) !== JSON.stringify(ledger))
      violation("the report's totals differ from the ledger's", { reported, ledger });

    // Every promise, against the database.
    const asDataSource = { query: (text: string, params?: unknown[]) => sql(text, params) } as unknown as DataSource;
    Object.assign(violations, await tradingViolations(asDataSource), await settlementViolations(asDataSource, true));
    const ids = acknowledged.map((a) => a.id);
    const found = await sql<{ id: string; partner_id: string; client_order_id: string }>(
      'SELECT id, partner_id, client_order_id FROM orders WHERE id = ANY($1)',
      [ids],
    );
    const byId = new Map(found.map((o) => [o.id, o]));
    for (const a of acknowledged) {
      const row = byId.get(a.id);
      if (!row || row.partner_id !== a.partnerId || row.client_order_id !== a.clientOrderId)
        violation('an acknowledged order is missing', a);
    }
    for (const [promise, rows] of Object.entries(
      await capAndAuditViolations(sql, { asksAcked: counters.ask.acked, asksAttempted: counters.ask.attempted }),
    ))
      violation(promise, rows);
    for (const slot of slots) if (!slot.process?.alive()) violation('a process is down at the end', slot.name);
    for (const slot of slots)
      if (slot.unplannedExits > 1) violation('a process is crash-looping', { process: slot.name, exits: slot.unplannedExits });

    const [totals] = await sql('SELECT (SELECT count(*)::int FROM orders) AS orders, (SELECT count(*)::int FROM fill) AS fills');
    const ok = Object.keys(violations).length === 0;
    return {
      seed: plan.seed,
      ok,
      violations,
      faults,
      orders: totals.orders,
      acknowledged: acknowledged.length,
      fills: totals.fills,
      requests,
      durationMs: Date.now() - started,
      phasesMs: { setup: faultsFrom - started, faults: restFrom - faultsFrom, rest: Date.now() - restFrom },
      logs: ok ? undefined : writeLogs(env.dataDir, plan.seed, slots),
    };
  } catch (error) {
    violation('the run itself failed', String((error as Error)?.stack ?? error).slice(0, 3000));
    return {
      seed: plan.seed,
      ok: false,
      violations,
      faults,
      orders: 0,
      acknowledged: acknowledged.length,
      fills: 0,
      requests,
      durationMs: Date.now() - started,
      phasesMs: { setup: 0, faults: 0, rest: 0 },
      logs: writeLogs(env.dataDir, plan.seed, slots),
    };
  } finally {
    stopping = true;
    await Promise.allSettled(loops);
    clearInterval(supervisor);
    await Promise.allSettled(slots.map((s) => s.restarting));
    await Promise.allSettled(slots.map((s) => killSlot(s)));
    await Promise.allSettled(slots.flatMap((s) => [s.pgProxy.cut(), s.redisProxy.cut()]));
    await db.end().catch(() => undefined);
    flush.disconnect();
    if (Object.keys(violations).length === 0)
      await env.postgres.query('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
  }
}

function writeLogs(dataDir: string, seed: number, slots: Slot[]): string {
  const dir = resolve(dataDir, 'logs');
  mkdirSync(dir, { recursive: true });
  const file = resolve(dir, `seed-${seed}.log`);
  writeFileSync(file, slots.map((s) => `==== ${s.name}\n${[...s.logs, s.process?.log() ?? ''].join('\n---- restart\n')}`).join('\n'));
  return file;
}

/**
 * The cap (never more sold than the highest cap a market ever had: its fleet at the largest share
 * in force for its SKU) and the audit (every lot, payment, share change and report request has its
 * event; ask-price events lie between the changes acknowledged and those attempted).
 */
async function capAndAuditViolations(
  sql: <T = any>(text: string, params?: unknown[]) => Promise<T[]>,
  asks: { asksAcked: number; asksAttempted: number },
): Promise<Record<string, unknown[]>> {
  const checks: Record<string, string> = {
    'a market sold more than its highest cap': `
      SELECT m.id, m.committed_units, l.total, s.max_percent
        FROM market m
        JOIN LATERAL (SELECT sum(quantity) AS total FROM inventory_lot WHERE market_id = m.id) l ON true
        JOIN LATERAL (SELECT max(new_percent) AS max_percent FROM share_change WHERE sku_id IS NULL OR sku_id = m.sku_id) s ON true
       WHERE m.committed_units > floor(l.total * COALESCE(s.max_percent, 0) / 100)`,
    'an inventory lot without its audit event': `
      SELECT l.id FROM inventory_lot l WHERE NOT EXISTS (SELECT 1 FROM audit_event e WHERE e.action = 'inventory.receive' AND e.entity_id = l.id::text)`,
    'a payment without its audit event': `
      SELECT p.id FROM payment p WHERE NOT EXISTS (SELECT 1 FROM audit_event e WHERE e.action = 'payment.record' AND e.entity_id = p.id::text)`,
    'a report request without its audit event': `
      SELECT r.id FROM settlement_report r WHERE NOT EXISTS (SELECT 1 FROM audit_event e WHERE e.action = 'settlement-report.request' AND e.entity_id = r.id::text)`,
    'share changes and their audit events differ in number': `
      SELECT c.n AS changes, e.n AS events FROM (SELECT count(*) AS n FROM share_change) c, (SELECT count(*) AS n FROM audit_event WHERE action LIKE 'share.%') e WHERE c.n <> e.n`,
    'ask-price audit events outside the acknowledged..attempted changes': `
      SELECT count(*) AS events FROM audit_event WHERE action IN ('market.set-ask-price', 'market.withdraw-offer') HAVING count(*) < $1 OR count(*) > $2`,
  };
  const found: Record<string, unknown[]> = {};
  for (const [promise, text] of Object.entries(checks)) {
    const rows = await sql(text, text.includes('$1') ? [asks.asksAcked, asks.asksAttempted] : []);
    if (rows.length > 0) found[promise] = rows.slice(0, 5);
  }
  return found;
}
