import { createServer, IncomingMessage, Server } from 'node:http';
import { SettlementSweep } from '@gpupool/settlement';
import { eventually, Pool } from './support/pool';
import { startApiProcess } from './support/processes';
import { startStack, TestStack } from './support/stack';

/** The value of one series of a Prometheus text exposition, 0 when absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelPart = line.slice(name.length).startsWith('{') ? line.slice(name.length + 1, line.indexOf('}')) : '';
    if (wanted.every((w) => labelPart.split(',').includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe('/metrics: what an operator charts moves with the market', () => {
  let stack: TestStack;
  let pool: Pool;
  const metrics = async () => (await fetch(`${stack.url}/metrics`)).text();

  beforeAll(async () => {
    stack = await startStack({ worker: true });
    pool = new Pool(stack);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('counts requests by operation and code, orders placed and filled, jobs, units sold; settlement lag returns to 0', async () => {
    const before = await metrics();
    await pool.receive('H800', 'ap-singapore', 10_000);
    await pool.share('5.00', 'H800');
    await pool.ask('H800', 'ap-singapore', '150000.00');
    const partner = await pool.partner('Metrics Partner', 'SG');
    const placed = await pool.place(partner.key, {
      clientOrderId: 'm-1',
      skuCode: 'H800',
      regionCode: 'ap-singapore',
      quantity: 40,
      limitPrice: '150000.00',
    });
    expect(placed.errors).toBeUndefined();
    const refused = await pool.place(partner.key, {
      clientOrderId: 'm-2',
      skuCode: 'H800',
      regionCode: 'ap-singapore',
      quantity: 0,
      limitPrice: '1.00',
    });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    await eventually(
      () =>
        stack.dataSource.query(`SELECT count(*)::int AS n FROM settlement s JOIN fill f ON f.id = s.fill_id WHERE f.order_id = $1`, [
          placed.data!.placeOrder.id,
        ]),
      (rows: { n: number }[]) => rows[0]!.n > 0,
    );

    const after = await eventually(metrics, (text) => sample(text, 'gpupool_job_duration_seconds_count', { queue: 'settlement' }) > 0);
    const moved = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);
    expect(moved('gpupool_graphql_requests_total', { operation: 'placeOrder', code: 'OK' })).toBe(1);
    expect(moved('gpupool_graphql_requests_total', { operation: 'placeOrder', code: 'BAD_USER_INPUT' })).toBe(1);
    expect(moved('gpupool_graphql_request_duration_seconds_count', { operation: 'placeOrder', code: 'OK' })).toBe(1);
    expect(moved('gpupool_order_events_total', { type: 'PLACED' })).toBe(1);
    expect(moved('gpupool_order_events_total', { type: 'FILLED' })).toBe(1);
    expect(moved('gpupool_job_duration_seconds_count', { queue: 'matching', outcome: 'completed' })).toBeGreaterThan(0);
    expect(moved('gpupool_job_duration_seconds_count', { queue: 'settlement', outcome: 'completed' })).toBeGreaterThan(0);
    expect(moved('gpupool_match_run_duration_seconds_count')).toBeGreaterThan(0);
    expect(sample(after, 'gpupool_market_units_sold', { sku: 'H800', region: 'ap-singapore' })).toBe(40);
    expect(sample(after, 'gpupool_settlement_lag_seconds')).toBe(0);
    expect(after).toMatch(/^gpupool_queue_jobs\{queue="settlement",state="failed"\} 0$/m);
    expect(after).toMatch(/^gpupool_queue_jobs\{queue="matching",state="waiting"\} \d+$/m);
  });

  it('shows the age of the oldest unsettled fill as settlement lag', async () => {
    // A market of its own with one resting order, priced under the ask so the worker fills none of it.
    await pool.receive('A100', 'ap-singapore', 1_000);
    await pool.ask('A100', 'ap-singapore', '120000.00');
    const partner = await pool.partner('Lagging Partner', 'SG');
    const placed = await pool.place(partner.key, {
      clientOrderId: 'lag-1',
      skuCode: 'A100',
      regionCode: 'ap-singapore',
      quantity: 1,
      limitPrice: '1.00',
    });
    expect(placed.errors).toBeUndefined();
    const marketId = await pool.marketId('A100', 'ap-singapore');
    // A fill the settlement worker has not reached: a minute old, with no settlement and no job.
    await stack.dataSource.query(
      `INSERT INTO fill (order_id, partner_id, market_id, sku_code, region_code, quantity, price, amount, hold_amount, executed_at)
       SELECT $1, $2, $3, 'A100', 'ap-singapore', 1, 1, 1, 0, now() - interval '60 seconds'`,
      [placed.data!.placeOrder.id, partner.id, marketId],
    );
    expect(sample(await metrics(), 'gpupool_settlement_lag_seconds')).toBeGreaterThanOrEqual(60);

    // Once the sweep has the worker settle it, the lag is 0 again for the tests after this one.
    await stack.get(SettlementSweep).run();
    await eventually(metrics, (text) => sample(text, 'gpupool_settlement_lag_seconds') === 0);
  });

  it('exports traces over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const received: string[] = [];
    const sink: Server = createServer((req: IncomingMessage, res) => {
      received.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      req.resume().on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((done) => sink.listen(0, '127.0.0.1', done));
    const endpoint = `http://127.0.0.1:${(sink.address() as { port: number }).port}`;
    const api = await startApiProcess({ ...stack.env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' });
    try {
      const res = await fetch(`${api.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.adminKey}` },
        body: JSON.stringify({ query: '{ me { id } }' }),
      });
      expect(res.status).toBe(200);
      await eventually(
        async () => received,
        (r) => r.length > 0,
      );
      expect(received[0]).toBe('POST /v1/traces application/x-protobuf');
    } finally {
      await api.kill();
      await new Promise((done) => sink.close(done));
    }
  });
});
