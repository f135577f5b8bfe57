import { codesOf } from './support/graphql-client';
import { Pool, settled } from './support/pool';
import { startStack, TestStack } from './support/stack';
import type { PlaceOrderInput } from './support/graphql/generated/graphql';

const SKU = 'ASCEND-910B';
const REGION = 'cn-beijing';

describe('orders and matching: the flows of the design', () => {
  let stack: TestStack;
  let pool: Pool;
  let alpha: { id: string; key: string };
  let beta: { id: string; key: string };
  let n = 0;
  const place = (who: { key: string }, input: Pick<PlaceOrderInput, 'quantity' | 'limitPrice'> & Partial<PlaceOrderInput>) =>
    pool.place(who.key, { clientOrderId: `c-${++n}`, skuCode: SKU, regionCode: REGION, timeInForce: 'GTC', ...input });
  const placed = async (who: { key: string }, input: Parameters<typeof place>[1]) => {
    const res = await place(who, input);
    expect(res.errors).toBeUndefined();
    return res.data!.placeOrder;
  };

  beforeAll(async () => {
    stack = await startStack({ worker: true });
    pool = new Pool(stack);
    alpha = await pool.partner('Alpha Compute', 'SG');
    beta = await pool.partner('Beta Labs', 'SG');
    await pool.receive(SKU, REGION, 1000);
    await pool.share('1.00'); // cap 10
    await pool.ask(SKU, REGION, '100000.00');
  });
  afterAll(() => stack.close());

  it('fills a bid at the ask, the next takes the rest of the cap and rests; a share raise fills the best resting bid at its own price; lowering undoes nothing', async () => {
    const first = await placed(alpha, { quantity: 4, limitPrice: '120000.00' });
    expect(first).toMatchObject({ status: 'OPEN', filledQuantity: 0 });
    const firstDone = await pool.until(alpha.key, first.id, (o) => o.status === 'FILLED');
    expect(firstDone).toMatchObject({
      filledQuantity: 4,
      averageFillPrice: '100000.00',
      fills: [{ quantity: 4, price: '100000.00', amount: '400000.00' }],
    });

    const second = await placed(beta, { quantity: 10, limitPrice: '110000.00' });
    const secondRest = await pool.until(beta.key, second.id, (o) => o.status === 'PARTIALLY_FILLED' && o.statusReason !== null);
    expect(secondRest).toMatchObject({ filledQuantity: 6, remainingQuantity: 4, averageFillPrice: '100000.00' });
    expect(secondRest.statusReason).toMatch(/no units available/);
    const low = await placed(alpha, { quantity: 2, limitPrice: '105000.00' });
    await pool.until(alpha.key, low.id, settled);
    expect(await pool.market(SKU, REGION)).toMatchObject({ capUnits: 10, committedUnits: 10, availableUnits: 0 });

    await pool.share('1.20'); // cap 12: two more units
    const secondMore = await pool.until(beta.key, second.id, (o) => o.filledQuantity === 8);
    expect(secondMore.fills).toEqual([
      { quantity: 6, price: '100000.00', amount: '600000.00' },
      { quantity: 2, price: '110000.00', amount: '220000.00' },
    ]);
    expect((await pool.order(alpha.key, low.id)).filledQuantity).toBe(0);

    await pool.share('0.50'); // cap 5 < committed 12
    const market = await pool.market(SKU, REGION);
    expect(market).toMatchObject({ capUnits: 5, committedUnits: 12, availableUnits: 0 });
    expect((await pool.order(beta.key, second.id)).filledQuantity).toBe(8);
    await pool.share('1.00'); // cap 10, still below committed
  });

  it('IOC fills what it can and cancels the rest; FOK fills all or nothing', async () => {
    // A market of its own, whatever the tests before did: 1,000 units at a 1 % share of the SKU → cap 10.
    const sku = 'ASCEND-910C';
    await pool.receive(sku, REGION, 1000);
    await pool.share('1.00', sku);
    await pool.ask(sku, REGION, '100000.00');

    const fok = await placed(alpha, { skuCode: sku, quantity: 11, limitPrice: '100000.00', timeInForce: 'FOK' });
    const fokDone = await pool.until(alpha.key, fok.id, (o) => o.status === 'CANCELLED');
    expect(fokDone).toMatchObject({ filledQuantity: 0, fills: [] });
    expect(fokDone.statusReason).toMatch(/fill-or-kill/);

    const ioc = await placed(beta, { skuCode: sku, quantity: 14, limitPrice: '100000.00', timeInForce: 'IOC' });
    const iocDone = await pool.until(beta.key, ioc.id, (o) => o.status === 'CANCELLED');
    expect(iocDone).toMatchObject({ filledQuantity: 10, remainingQuantity: 4 });
    expect(iocDone.statusReason).toMatch(/immediate-or-cancel/);
    expect(await pool.market(sku, REGION)).toMatchObject({ capUnits: 10, committedUnits: 10, availableUnits: 0 });

    await pool.receive(sku, REGION, 100); // 1,100 units at 1 % → cap 11: one unit
    const fokAll = await placed(alpha, { skuCode: sku, quantity: 1, limitPrice: '100000.00', timeInForce: 'FOK' });
    expect(await pool.until(alpha.key, fokAll.id, (o) => o.status === 'FILLED')).toMatchObject({ filledQuantity: 1 });
    expect(await pool.market(sku, REGION)).toMatchObject({ capUnits: 11, committedUnits: 11, availableUnits: 0 });
  });

  it('cancels an open order, releasing its hold; a filled or foreign order is not cancellable', async () => {
    const before = (await pool.ok(alpha.key, '{ partners { creditUsed } }')).partners[0].creditUsed;
    const order = await placed(alpha, { quantity: 3, limitPrice: '90000.00' });
    await pool.until(alpha.key, order.id, settled);
    const held = (await pool.ok(alpha.key, '{ partners { creditUsed } }')).partners[0].creditUsed;
    expect(Number(held) - Number(before)).toBeCloseTo(270000, 2); // SG partner: 0 % tax
    const cancelled = await stack.gql(alpha.key, 'mutation($id: ID!) { cancelOrder(id: $id) { status statusReason } }', { id: order.id });
    expect(cancelled.data!.cancelOrder).toEqual({ status: 'CANCELLED', statusReason: 'cancelled by the partner' });
    expect((await pool.ok(alpha.key, '{ partners { creditUsed } }')).partners[0].creditUsed).toBe(before);
    const again = await stack.gql(alpha.key, 'mutation($id: ID!) { cancelOrder(id: $id) { status } }', { id: order.id });
    expect(codesOf(again)).toEqual(['ORDER_NOT_CANCELLABLE']);
    const foreign = await stack.gql(beta.key, 'mutation($id: ID!) { cancelOrder(id: $id) { status } }', { id: order.id });
    const missing = await stack.gql(beta.key, 'mutation($id: ID!) { cancelOrder(id: $id) { status } }', {
      id: '00000000-0000-4000-8000-000000000000',
    });
    expect(codesOf(foreign)).toEqual(['NOT_FOUND']);
    expect(foreign.errors![0].message.replace(order.id, 'X')).toBe(
      missing.errors![0].message.replace('00000000-0000-4000-8000-000000000000', 'X'),
    );
  });

  it('shows the order book by price level, best first, without partner names', async () => {
    // A market of its own, whose bids all rest below the ask.
    const [sku, region] = ['MLU370', 'cn-shanghai'];
    await pool.receive(sku, region, 1000);
    await pool.ask(sku, region, '100000.00');
    const bid = async (who: { key: string }, quantity: number, limitPrice: string) => {
      const order = await placed(who, { skuCode: sku, regionCode: region, quantity, limitPrice });
      await pool.until(who.key, order.id, settled); // seen by a run, resting
    };
    await bid(alpha, 2, '95000.00');
    await bid(beta, 3, '95000.00');
    await bid(beta, 1, '99000.00');
    const book = await pool.ok(
      alpha.key,
      `{ orderBook(skuCode: "${sku}", regionCode: "${region}") { askPrice availableUnits bids { price quantity orders } } }`,
    );
    expect(book.orderBook.bids).toEqual([
      { price: '99000.00', quantity: 1, orders: 1 },
      { price: '95000.00', quantity: 5, orders: 2 },
    ]);
    expect(JSON.stringify(book)).not.toMatch(/Alpha|Beta/);
  });
});
