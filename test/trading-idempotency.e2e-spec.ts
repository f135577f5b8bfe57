import { codesOf } from './support/graphql-client';
import { Pool } from './support/pool';
import { startStack, TestStack } from './support/stack';
import type { PlaceOrderInput } from './support/graphql/generated/graphql';

const SKU = 'H800';
const REGION = 'ap-singapore';
const ASK = '200000.00';

describe('clientOrderId is the idempotency key of placeOrder', () => {
  let stack: TestStack;
  let pool: Pool;
  let partner: { id: string; key: string };
  let other: { id: string; key: string };

  const payload = (clientOrderId: string, extra: Partial<PlaceOrderInput> = {}): PlaceOrderInput => ({
    clientOrderId,
    skuCode: SKU,
    regionCode: REGION,
    quantity: 2,
    limitPrice: '150000.00',
    timeInForce: 'GTC',
    ...extra,
  });
  const ordersWithKey = async (clientOrderId: string) =>
    (await stack.dataSource.query('SELECT id, partner_id FROM orders WHERE client_order_id = $1', [clientOrderId])) as { id: string }[];
  /** Orders in all, and one partner's credit held and export units used. */
  const books = async (partnerId = partner.id) => {
    const [row] = await stack.dataSource.query(
      `SELECT
      (SELECT count(*)::int FROM orders) AS orders,
      (SELECT credit_held FROM partner WHERE id = $1) AS held,
      (SELECT coalesce(sum(used_units), 0)::int FROM export_usage WHERE partner_id = $1) AS used`,
      [partnerId],
    );
    return row as { orders: number; held: string; used: number };
  };

  beforeAll(async () => {
    stack = await startStack({ worker: true });
    pool = new Pool(stack);
    partner = await pool.partner('Idempotent Ltd', 'SG');
    other = await pool.partner('Other Idempotent Ltd', 'SG');
    await pool.receive(SKU, REGION, 10_000);
    await pool.share('1.00', SKU); // cap 100
    await pool.ask(SKU, REGION, ASK);
  });
  afterAll(() => stack?.close());

  it.each([5, 20])('answers %i identical concurrent requests with one order, holding credit and export units once', async (copies) => {
    const key = `same-${copies}`;
    // A partner of its own: a match run ending an earlier test's order cannot move these books meanwhile.
    const own = await pool.partner(`Idempotent ${copies} Ltd`, 'SG');
    const before = await books(own.id);
    // The same payload, written differently: decimals compare by value, instants by time.
    const spellings = ['150000.00', '150000.0', '150000', '0150000.000'];
    const expiresAt = new Date(Date.now() + 3_600_000);
    const zones = [expiresAt.toISOString(), expiresAt.toISOString().replace('Z', '+00:00'), shiftZone(expiresAt, 8)];
    const responses = await Promise.all(
      Array.from({ length: copies }, (_, i) =>
        pool.place(own.key, payload(key, { limitPrice: spellings[i % spellings.length], expiresAt: zones[i % zones.length] })),
      ),
    );
    expect(responses.flatMap((r) => r.errors ?? [])).toEqual([]);
    const ids = new Set(responses.map((r) => r.data!.placeOrder.id));
    expect(ids.size).toBe(1);
    expect((await ordersWithKey(key)).map((o) => o.id)).toEqual([...ids]);
    const after = await books(own.id);
    expect(after.orders).toBe(before.orders + 1);
    expect(after.used).toBe(before.used + 2);
    expect(Number(after.held) - Number(before.held)).toBe(300_000); // 2 × 150,000 at 0 % tax, once
  });

  it('lets one payload win when two different ones race on one key; every other request is IDEMPOTENCY_KEY_REUSED', async () => {
    const key = 'contested';
    const a = payload(key, { quantity: 1 });
    const b = payload(key, { quantity: 4 });
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => pool.place(partner.key, i % 2 === 0 ? a : b).then((res) => ({ i, res }))),
    );
    const rows = await stack.dataSource.query('SELECT id, quantity FROM orders WHERE client_order_id = $1', [key]);
    expect(rows).toHaveLength(1);
    const winner = rows[0].quantity === 1 ? 0 : 1;
    for (const { i, res } of responses) {
      if (i % 2 === winner) expect(res.data!.placeOrder.id).toBe(rows[0].id);
      else expect(codesOf(res)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    }
  });

  it.each([
    ['quantity', { quantity: 3 }],
    ['limitPrice', { limitPrice: '150000.01' }],
    ['region', { regionCode: 'cn-beijing' }],
    ['timeInForce', { timeInForce: 'IOC' }],
    ['expiresAt', { expiresAt: new Date(Date.now() + 7_200_000).toISOString() }],
  ])('refuses the key with a different %s as IDEMPOTENCY_KEY_REUSED, writing nothing', async (_field, change) => {
    const key = `changed-${_field}`;
    const first = await pool.place(partner.key, payload(key));
    expect(first.errors).toBeUndefined();
    const before = await books();
    const again = await pool.place(partner.key, payload(key, change as Partial<PlaceOrderInput>));
    expect(codesOf(again)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(again.errors![0]!.message).toContain(key);
    expect(await books()).toEqual(before);
  });

  it('returns the same order after it filled, after the ask was withdrawn and after its expiry passed', async () => {
    const filled = (await pool.place(partner.key, payload('will-fill', { limitPrice: '210000.00' }))).data!.placeOrder;
    await pool.until(partner.key, filled.id, (o) => o.status === 'FILLED');
    const expiring = payload('will-expire', { expiresAt: new Date(Date.now() + 1_500).toISOString() });
    const expires = (await pool.place(partner.key, expiring)).data!.placeOrder;
    const resting = (await pool.place(partner.key, payload('will-lose-its-market'))).data!.placeOrder;
    await pool.ask(SKU, REGION, null);
    await new Promise((r) => setTimeout(r, 2_000));

    const before = await books();
    const replays = await Promise.all([
      pool.place(partner.key, payload('will-fill', { limitPrice: '210000.00' })),
      pool.place(partner.key, expiring),
      pool.place(partner.key, payload('will-lose-its-market')),
    ]);
    expect(replays.flatMap((r) => r.errors ?? [])).toEqual([]);
    expect(replays.map((r) => r.data!.placeOrder.id)).toEqual([filled.id, expires.id, resting.id]);
    expect(replays[0]!.data!.placeOrder).toMatchObject({ status: 'FILLED', filledQuantity: 2 });
    expect(await books()).toEqual(before);
    await pool.ask(SKU, REGION, ASK);
  });

  it('keeps nothing of a refused first attempt: the same key places the order once the refusal is gone', async () => {
    await pool.ask(SKU, REGION, null);
    const refused = await pool.place(partner.key, payload('after-refusal'));
    expect(codesOf(refused)).toEqual(['MARKET_NOT_OFFERED']);
    expect(await ordersWithKey('after-refusal')).toEqual([]);
    await pool.ask(SKU, REGION, ASK);
    const placed = await pool.place(partner.key, payload('after-refusal'));
    expect(placed.errors).toBeUndefined();
    expect((await ordersWithKey('after-refusal')).map((o) => o.id)).toEqual([placed.data!.placeOrder.id]);
  });

  it('scopes the key to the partner: another partner with the same clientOrderId gets its own order', async () => {
    const mine = (await pool.place(partner.key, payload('shared-key'))).data!.placeOrder;
    const theirs = await pool.place(other.key, payload('shared-key', { quantity: 1 }));
    expect(theirs.errors).toBeUndefined();
    expect(theirs.data!.placeOrder.id).not.toBe(mine.id);
    expect(await ordersWithKey('shared-key')).toHaveLength(2);
  });
});

/** The same instant written in another time zone, e.g. "2030-01-01T08:00:00.000+08:00". */
function shiftZone(at: Date, hours: number): string {
  const local = new Date(at.getTime() + hours * 3_600_000).toISOString().replace('Z', '');
  return `${local}+${String(hours).padStart(2, '0')}:00`;
}
