import { Queue } from 'bullmq';
import { codesOf, GraphQLResponse } from './support/graphql-client';
import { Pool } from './support/pool';
import { startStack, TestStack } from './support/stack';
import { matchingQueue } from './support/trading-invariants';
import { PlaceOrderDocument, PlaceOrderInput } from './support/graphql/generated/graphql';

const SKU = 'MLU370';
const REGION = 'cn-guangzhou';
const UNOFFERED_REGION = 'cn-shanghai';

describe('placeOrder and cancelOrder refuse bad input and the wrong roles, writing nothing', () => {
  let stack: TestStack;
  let pool: Pool;
  let queue: Queue;
  let partner: { id: string; key: string };
  let keys: Record<'ADMIN' | 'OPERATOR' | 'FINANCE', string>;
  let resting: { id: string };

  /** The valid order, with `extra` on top: the cases below send values its type does not allow, as a client could. */
  const valid = (extra: Record<string, unknown> = {}) =>
    ({
      clientOrderId: 'input-check',
      skuCode: SKU,
      regionCode: REGION,
      quantity: 3,
      limitPrice: '50000.00',
      timeInForce: 'GTC',
      ...extra,
    }) as PlaceOrderInput;

  /** Everything placing or cancelling could write: orders, fills, audit, credit, export usage, queued match runs. */
  const footprint = async () => {
    const [row] = await stack.dataSource.query(`SELECT
      (SELECT count(*)::int FROM orders) AS orders,
      (SELECT string_agg(id || ':' || status || ':' || hold_released, ',' ORDER BY id) FROM orders) AS states,
      (SELECT count(*)::int FROM fill) AS fills,
      (SELECT count(*)::int FROM audit_event) AS audits,
      (SELECT string_agg(id || '=' || credit_held || '/' || receivable, ',' ORDER BY id) FROM partner) AS credit,
      (SELECT string_agg(partner_id || '/' || sku_code || '=' || used_units, ',' ORDER BY partner_id, sku_code) FROM export_usage) AS usage`);
    return { ...row, jobs: await queue.count() };
  };

  const expectRefused = async (send: () => Promise<GraphQLResponse>, code: string, message?: RegExp) => {
    const before = await footprint();
    const res = await send();
    expect(codesOf(res)).toEqual([code]);
    expect(res.data?.placeOrder ?? res.data?.cancelOrder ?? null).toBeNull();
    const text = res.errors![0]!.message;
    expect(text.length).toBeGreaterThan(15);
    expect(text).not.toMatch(/SELECT|INSERT|QueryFailed|at \w+ \(|\.ts:\d+/);
    if (message) expect(text).toMatch(message);
    expect(await footprint()).toEqual(before);
  };

  beforeAll(async () => {
    stack = await startStack();
    pool = new Pool(stack);
    queue = matchingQueue(stack);
    partner = await pool.partner('Input Checks Ltd', 'CN');
    const issue = async (role: 'OPERATOR' | 'FINANCE') => (await pool.key(role, role)).key;
    keys = { ADMIN: stack.adminKey, OPERATOR: await issue('OPERATOR'), FINANCE: await issue('FINANCE') };
    await pool.receive(SKU, REGION, 1000);
    await pool.receive(SKU, UNOFFERED_REGION, 1000);
    await pool.ask(SKU, REGION, '60000.00');
    // One resting order, so a refused request has something to disturb.
    const res = await pool.place(partner.key, valid({ clientOrderId: 'resting' }));
    expect(res.errors).toBeUndefined();
    resting = res.data!.placeOrder;
  });
  afterAll(async () => {
    await queue?.close();
    await stack?.close();
  });

  const place =
    (input: PlaceOrderInput, key = partner.key) =>
    () =>
      stack.gql(key, PlaceOrderDocument, { input });

  it.each([
    ['quantity 0', { quantity: 0 }, /quantity/],
    ['quantity -1', { quantity: -1 }, /quantity/],
    ['quantity 1,000,001', { quantity: 1_000_001 }, /quantity/],
    ['quantity 2^31', { quantity: 2 ** 31 }, /Int/],
    ['a fractional quantity', { quantity: 1.5 }, /Int/],
    ['a quantity written as a string', { quantity: '3' }, /Int/],
    ['limitPrice 0', { limitPrice: '0' }, /limitPrice/],
    ['a negative limitPrice', { limitPrice: '-100.00' }, /limitPrice/],
    ['a limitPrice with 3 decimals', { limitPrice: '50000.001' }, /limitPrice/],
    ['limitPrice 100,000,000.01', { limitPrice: '100000000.01' }, /limitPrice/],
    ['limitPrice as a JSON number', { limitPrice: 50000 }, /Decimal/],
    ['limitPrice "1e5"', { limitPrice: '1e5' }, /Decimal/],
    ['an empty limitPrice', { limitPrice: '' }, /Decimal/],
    ['an empty clientOrderId', { clientOrderId: '' }, /clientOrderId/],
    ['a clientOrderId of 65 characters', { clientOrderId: 'x'.repeat(65) }, /clientOrderId/],
    ['a clientOrderId with a control character', { clientOrderId: 'order\u0007bell' }, /clientOrderId/],
    ['a clientOrderId with a non-ASCII character', { clientOrderId: 'ordér-1' }, /clientOrderId/],
    ['a clientOrderId with a leading space', { clientOrderId: ' order-1' }, /clientOrderId/],
    ['a clientOrderId with a trailing space', { clientOrderId: 'order-1 ' }, /clientOrderId/],
    ['a malformed SKU code', { skuCode: 'h20; drop table orders' }, /skuCode/],
    ['an expiry in the past', { expiresAt: new Date(Date.now() - 60_000).toISOString() }, /expiresAt must be in the future/],
    ['an expiry that is not ISO-8601', { expiresAt: 'tomorrow' }, /ISO-8601/],
    ['an expiry without a time zone', { expiresAt: '2030-01-01T00:00:00' }, /ISO-8601/],
    ['timeInForce DAY', { timeInForce: 'DAY' }, /TimeInForce/],
    ['an unknown field', { note: 'rush' }, /note/],
    ['a missing quantity', { quantity: undefined }, /quantity/],
  ])('refuses %s as BAD_USER_INPUT', async (_name, change, message) => {
    await expectRefused(place(valid(change)), 'BAD_USER_INPUT', message);
  });

  it('refuses a SKU or region not in the catalog as NOT_FOUND, as every operation does', async () => {
    await expectRefused(place(valid({ skuCode: 'B200' })), 'NOT_FOUND', /SKU B200 is not in the catalog/);
    await expectRefused(place(valid({ regionCode: 'eu-frankfurt' })), 'NOT_FOUND', /Region eu-frankfurt is not in the catalog/);
  });

  it('refuses a market with lots but no ask, and a (SKU, region) with no market, as MARKET_NOT_OFFERED', async () => {
    await expectRefused(place(valid({ regionCode: UNOFFERED_REGION })), 'MARKET_NOT_OFFERED', /not offered/);
    await expectRefused(place(valid({ regionCode: 'cn-wulanchabu' })), 'MARKET_NOT_OFFERED', /not offered/);
  });

  it.each([
    ['quantity: 0', 'quantity: 0'],
    ['quantity: 2147483648', 'quantity: 2147483648'],
    ['quantity: 2.5', 'quantity: 2.5'],
    ['limitPrice: 50000', 'limitPrice: 50000'],
    ['limitPrice: "1e5"', 'limitPrice: "1e5"'],
    ['limitPrice: "50000.001"', 'limitPrice: "50000.001"'],
    ['timeInForce: DAY', 'timeInForce: DAY'],
    ['expiresAt: "tomorrow"', 'expiresAt: "tomorrow"'],
    ['clientOrderId: ""', 'clientOrderId: ""'],
  ])('refuses the literal %s as BAD_USER_INPUT, not GRAPHQL_VALIDATION_FAILED', async (_name, literal) => {
    const fields: Record<string, string> = {
      clientOrderId: 'clientOrderId: "literal-1"',
      skuCode: `skuCode: "${SKU}"`,
      regionCode: `regionCode: "${REGION}"`,
      quantity: 'quantity: 3',
      limitPrice: 'limitPrice: "50000.00"',
    };
    fields[literal.split(':')[0]!] = literal;
    const query = `mutation { placeOrder(input: { ${Object.values(fields).join(', ')} }) { id } }`;
    await expectRefused(() => stack.gql(partner.key, query), 'BAD_USER_INPUT');
  });

  it.each(['ADMIN', 'OPERATOR', 'FINANCE'] as const)('refuses placeOrder and cancelOrder to %s with FORBIDDEN', async (role) => {
    await expectRefused(place(valid({ clientOrderId: `by-${role}` }), keys[role]), 'FORBIDDEN');
    await expectRefused(() => pool.cancel(keys[role], resting.id), 'FORBIDDEN');
  });

  it('refuses a request without a key or with an unknown key as UNAUTHENTICATED', async () => {
    await expectRefused(
      () => stack.gql(undefined, PlaceOrderDocument, { input: valid({ clientOrderId: 'anonymous' }) }),
      'UNAUTHENTICATED',
    );
    await expectRefused(
      () => stack.gql('gpk_not_a_key_at_all_000000', PlaceOrderDocument, { input: valid({ clientOrderId: 'anonymous' }) }),
      'UNAUTHENTICATED',
    );
  });

  it('refuses to cancel a malformed or missing id as NOT_FOUND, and an ended order as ORDER_NOT_CANCELLABLE', async () => {
    await expectRefused(() => pool.cancel(partner.key, 'not-a-uuid'), 'NOT_FOUND');
    await expectRefused(() => pool.cancel(partner.key, '00000000-0000-4000-8000-000000000000'), 'NOT_FOUND');
    const ended = await pool.place(partner.key, valid({ clientOrderId: 'to-cancel' }));
    const id = ended.data!.placeOrder.id;
    expect((await pool.cancel(partner.key, id)).data!.cancelOrder.status).toBe('CANCELLED');
    await expectRefused(() => pool.cancel(partner.key, id), 'ORDER_NOT_CANCELLABLE', /CANCELLED/);
  });

  it('still accepts the valid order the cases above were variations of', async () => {
    // A partner of its own: its clientOrderId stays unused for the cases above.
    const accepting = await pool.partner('Input Checks Accepted Ltd', 'CN');
    const res = await pool.place(accepting.key, valid());
    expect(res.errors).toBeUndefined();
    expect(res.data!.placeOrder).toMatchObject({ clientOrderId: 'input-check', quantity: 3, limitPrice: '50000.00', status: 'OPEN' });
  });
});
