import { codesOf } from './support/graphql-client';
import { Pool } from './support/pool';
import { startStack, TestStack } from './support/stack';

const SKU = 'ASCEND-910C';
const REGION = 'cn-wulanchabu';
const MISSING = '00000000-0000-4000-8000-000000000000';
const ORDER = 'query($id: ID!) { order(id: $id) { id clientOrderId status partner { id name } fills { id quantity } } }';
const ORDERS = 'query($f: OrderFilter) { orders(filter: $f) { totalCount edges { node { id } } pageInfo { hasNextPage } } }';
const FILLS = 'query($f: FillFilter) { fills(filter: $f) { totalCount edges { node { id orderId } } pageInfo { hasNextPage } } }';

describe('a partner sees only its own orders and fills; another partner’s id answers like a missing one', () => {
  let stack: TestStack;
  let pool: Pool;
  let alpha: { id: string; key: string };
  let beta: { id: string; key: string };
  /** Each partner's orders: one filled, one resting. */
  const orders: Record<'alpha' | 'beta', { filled: string; resting: string }> = {} as never;

  const place = async (who: { key: string }, clientOrderId: string, limitPrice: string) => {
    const res = await pool.place(who.key, { clientOrderId, skuCode: SKU, regionCode: REGION, quantity: 2, limitPrice });
    expect(res.errors).toBeUndefined();
    return res.data!.placeOrder.id as string;
  };

  beforeAll(async () => {
    stack = await startStack({ worker: true });
    pool = new Pool(stack);
    alpha = await pool.partner('Alpha Isolation', 'CN');
    beta = await pool.partner('Beta Isolation', 'SG');
    await pool.receive(SKU, REGION, 1000);
    await pool.share('1.00', SKU);
    await pool.ask(SKU, REGION, '170000.00');
    for (const [name, who] of [
      ['alpha', alpha],
      ['beta', beta],
    ] as const) {
      const filled = await place(who, `${name}-filled`, '180000.00');
      await pool.until(who.key, filled, (o) => o.status === 'FILLED');
      orders[name] = { filled, resting: await place(who, `${name}-resting`, '100000.00') };
      await pool.until(who.key, orders[name].resting, (o) => o.statusReason !== null);
    }
  });
  afterAll(() => stack?.close());

  it('answers order(id) of another partner exactly like a missing id, and its own fully', async () => {
    for (const id of [orders.beta.filled, orders.beta.resting]) {
      const theirs = await stack.gql(alpha.key, ORDER, { id });
      const missing = await stack.gql(alpha.key, ORDER, { id: MISSING });
      expect(theirs).toEqual({ status: 200, data: { order: null } });
      expect(theirs).toEqual(missing);
    }
    const mine = await pool.ok(alpha.key, ORDER, { id: orders.alpha.filled });
    expect(mine.order).toMatchObject({ id: orders.alpha.filled, partner: { id: alpha.id, name: 'Alpha Isolation' } });
    expect(mine.order.fills).toHaveLength(1);
  });

  it('resolves aliases one by one: mine, theirs, missing', async () => {
    const res = await stack.gql(
      alpha.key,
      `query($mine: ID!, $theirs: ID!, $missing: ID!) {
        a: order(id: $mine) { id fills { quantity } }
        b: order(id: $theirs) { id fills { quantity } }
        c: order(id: $missing) { id }
        d: orders(filter: { partnerId: $theirs }) { totalCount }
      }`,
      { mine: orders.alpha.filled, theirs: orders.beta.filled, missing: MISSING },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ a: { id: orders.alpha.filled, fills: [{ quantity: 2 }] }, b: null, c: null, d: { totalCount: 0 } });
  });

  it('gives empty lists for another partner’s id in every filter, like an id that does not exist', async () => {
    const empty = { totalCount: 0, edges: [], pageInfo: { hasNextPage: false } };
    for (const partnerId of [beta.id, MISSING]) {
      expect((await pool.ok(alpha.key, ORDERS, { f: { partnerId } })).orders).toEqual(empty);
      expect((await pool.ok(alpha.key, FILLS, { f: { partnerId } })).fills).toEqual(empty);
    }
    for (const orderId of [orders.beta.filled, MISSING]) {
      expect((await pool.ok(alpha.key, FILLS, { f: { orderId } })).fills).toEqual(empty);
      expect((await pool.ok(alpha.key, FILLS, { f: { orderId, partnerId: alpha.id } })).fills).toEqual(empty);
    }
    expect((await pool.ok(alpha.key, ORDERS, { f: { partnerId: alpha.id } })).orders.totalCount).toBe(2);
  });

  it('lists only its own orders and fills without a filter, while staff see everyone’s', async () => {
    const own = await pool.ok(alpha.key, ORDERS, {});
    expect(own.orders.edges.map((e: { node: { id: string } }) => e.node.id).sort()).toEqual(
      [orders.alpha.filled, orders.alpha.resting].sort(),
    );
    expect(own.orders.totalCount).toBe(2);
    const fills = await pool.ok(alpha.key, FILLS, {});
    expect(fills.fills.edges.map((e: { node: { orderId: string } }) => e.node.orderId)).toEqual([orders.alpha.filled]);
    const all = await pool.ok(stack.adminKey, ORDERS, {});
    expect(all.orders.totalCount).toBe(4);
    expect((await pool.ok(stack.adminKey, FILLS, { f: { partnerId: beta.id } })).fills.totalCount).toBe(1);
  });

  it('refuses to cancel another partner’s order with NOT_FOUND, exactly like a missing id, and leaves it open', async () => {
    const theirs = await pool.cancel(alpha.key, orders.beta.resting);
    const missing = await pool.cancel(alpha.key, MISSING);
    expect(codesOf(theirs)).toEqual(['NOT_FOUND']);
    expect(JSON.stringify(theirs).replaceAll(orders.beta.resting, 'ID')).toBe(JSON.stringify(missing).replaceAll(MISSING, 'ID'));
    expect((await pool.order(beta.key, orders.beta.resting)).status).toBe('OPEN');

    const aliased = await stack.gql(
      alpha.key,
      `mutation($mine: ID!, $theirs: ID!) { a: cancelOrder(id: $theirs) { id } b: cancelOrder(id: $mine) { id status } }`,
      {
        mine: orders.alpha.resting,
        theirs: orders.beta.resting,
      },
    );
    expect(codesOf(aliased)).toEqual(['NOT_FOUND']);
    expect(aliased.errors![0]!.path).toEqual(['a']);
    // cancelOrder is non-null: the failure of `a` nulls the whole answer and stops the mutations after it.
    expect(aliased.data).toBeNull();
    expect((await pool.order(beta.key, orders.beta.resting)).status).toBe('OPEN');
    expect((await pool.order(alpha.key, orders.alpha.resting)).status).toBe('OPEN');
  });

  it('hides fleet numbers from partners: totalUnits, capUnits, committedUnits and effectiveSharePercent are FORBIDDEN', async () => {
    for (const field of ['totalUnits', 'capUnits', 'committedUnits', 'effectiveSharePercent']) {
      const res = await stack.gql(alpha.key, `{ markets { availableUnits ${field} } }`);
      expect(codesOf(res)).toContain('FORBIDDEN');
      expect(JSON.stringify(res.data ?? null)).not.toMatch(/"(totalUnits|capUnits|committedUnits|effectiveSharePercent)":\s*[\d"]/);
    }
    expect((await pool.ok(alpha.key, '{ markets { availableUnits askPrice } }')).markets).toEqual([
      { availableUnits: 6, askPrice: '170000.00' },
    ]);
  });

  it('shows the order book by price level without naming any partner', async () => {
    const res = await pool.ok(
      beta.key,
      `{ orderBook(skuCode: "${SKU}", regionCode: "${REGION}") { askPrice availableUnits bids { price quantity orders } } }`,
    );
    expect(res.orderBook.bids).toEqual([{ price: '100000.00', quantity: 4, orders: 2 }]);
    const text = JSON.stringify(res);
    for (const secret of [alpha.id, beta.id, 'Alpha', 'Beta', orders.alpha.resting, orders.beta.resting])
      expect(text).not.toContain(secret);
  });

  it('shows a partner only itself in partners', async () => {
    expect((await pool.ok(alpha.key, '{ partners { id } }')).partners).toEqual([{ id: alpha.id }]);
  });
});
