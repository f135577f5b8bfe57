import { Decimal, EventBus } from '@gpupool/platform';
import { fillOfEvent, OrderEventMessage, orderEventOf, OrderEvents, orderOfEvent, OrderSnapshot } from './order-events';
import { Fill } from './fill.entity';
import { Order } from './order.entity';

/** A bus in memory: what was published, and a subscription fed by hand. */
function memoryBus() {
  const published: unknown[] = [];
  const pending: ((value: IteratorResult<OrderEventMessage[]>) => void)[] = [];
  const queued: OrderEventMessage[][] = [];
  let closed = false;
  const subscription: AsyncIterableIterator<OrderEventMessage[]> = {
    next: () =>
      queued.length > 0
        ? Promise.resolve({ done: false, value: queued.shift()! })
        : closed
          ? Promise.resolve({ done: true, value: undefined })
          : new Promise((resolve) => pending.push(resolve)),
    return: () => {
      closed = true;
      for (const resolve of pending.splice(0)) resolve({ done: true, value: undefined });
      return Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  const deliver = (batch: OrderEventMessage[]) => {
    const waiting = pending.shift();
    if (waiting) waiting({ done: false, value: batch });
    else queued.push(batch);
  };
  const bus = {
    publish: async (_channel: string, payload: unknown) => void published.push(payload),
    subscribe: () => subscription,
  } as unknown as EventBus;
  return { bus, published, deliver, isClosed: () => closed };
}

const event = (i: number): OrderEventMessage => ({
  type: 'FILLED',
  order: { id: `o${i}`, partnerId: 'p' } as OrderSnapshot,
});

describe('OrderEvents', () => {
  it('publishes the events of a change in messages of at most 1,000, each stamped with one time', async () => {
    const { bus, published } = memoryBus();
    await new OrderEvents(bus).publish(Array.from({ length: 2_500 }, (_, i) => event(i)));
    expect(published.map((batch) => (batch as unknown[]).length)).toEqual([1000, 1000, 500]);
    const stamps = new Set(published.flatMap((batch) => (batch as OrderEventMessage[]).map((e) => e.at)));
    expect(stamps.size).toBe(1);
  });

  it('carries the order and the fill in the message, exactly as the change left them', () => {
    const order = Object.assign(new Order(), {
      id: 'o1',
      partnerId: 'p',
      limitPrice: new Decimal('123456789.01'),
      filledAmount: new Decimal('1000000000000.10'),
      taxRatePercent: new Decimal('13.00'),
      holdAmount: new Decimal('1130000000000.12'),
      holdReleased: new Decimal('0'),
      quantity: 9,
      filledQuantity: 8,
      expiresAt: null,
      createdAt: new Date('2026-12-01T00:00:00.123Z'),
      updatedAt: new Date('2026-12-01T00:00:01.456Z'),
    });
    const fill = Object.assign(new Fill(), {
      id: 'f1',
      orderId: 'o1',
      price: new Decimal('0.01'),
      amount: new Decimal('0.08'),
      holdAmount: new Decimal('0.09'),
      executedAt: new Date('2026-12-01T00:00:01.456Z'),
    });
    const message = JSON.parse(JSON.stringify(orderEventOf('PARTIALLY_FILLED', order, fill))) as OrderEventMessage;
    const back = orderOfEvent(message);
    expect(back.filledAmount.toFixed(2)).toBe('1000000000000.10');
    expect(back.limitPrice.eq(order.limitPrice)).toBe(true);
    expect(back.remainingQuantity).toBe(1);
    expect(back.createdAt.toISOString()).toBe('2026-12-01T00:00:00.123Z');
    expect(back.expiresAt).toBeNull();
    expect(fillOfEvent(message)).toMatchObject({ id: 'f1', executedAt: new Date('2026-12-01T00:00:01.456Z') });
    expect(fillOfEvent(message)!.amount.toFixed(2)).toBe('0.08');
    expect(fillOfEvent({ ...message, fill: undefined })).toBeNull();
  });

  it('snapshots an order and a fill exactly as JSON would carry them, every field', () => {
    const order = Object.assign(new Order(), {
      id: 'o2',
      seq: '42',
      partnerId: 'p',
      clientOrderId: 'c-2',
      marketId: 'm',
      skuCode: 'H20',
      regionCode: 'cn-beijing',
      quantity: 3,
      filledQuantity: 3,
      limitPrice: new Decimal('99999999.99'),
      filledAmount: new Decimal('0'),
      timeInForce: 'GTC',
      expiresAt: new Date('2027-01-01T00:00:00.001Z'),
      status: 'FILLED',
      statusReason: null,
      resting: false,
      taxRatePercent: new Decimal('6.00'),
      holdAmount: new Decimal('0.01'),
      holdReleased: new Decimal('-0'),
      createdAt: new Date('2026-12-01T00:00:00.123Z'),
      updatedAt: new Date('2026-12-01T00:00:00.124Z'),
    });
    const fill = Object.assign(new Fill(), {
      id: 'f2',
      orderId: 'o2',
      partnerId: 'p',
      marketId: 'm',
      skuCode: 'H20',
      regionCode: 'cn-beijing',
      quantity: 3,
      price: new Decimal('1e-2'),
      amount: new Decimal('0.03'),
      holdAmount: new Decimal('0.04'),
      executedAt: new Date(0),
    });
    const message = orderEventOf('FILLED', order, fill);
    expect(message).toEqual(JSON.parse(JSON.stringify(message)));
    expect(message.order).toStrictEqual(JSON.parse(JSON.stringify(Object.assign({}, order, { partner: undefined, market: undefined }))));
    // The fill carries only what it adds to its order; its order's ids come back from the order.
    const ofTheOrder = { orderId: undefined, partnerId: undefined, marketId: undefined, skuCode: undefined, regionCode: undefined };
    expect(message.fill).toStrictEqual(
      JSON.parse(JSON.stringify(Object.assign({}, fill, { order: undefined, partner: undefined, market: undefined }, ofTheOrder))),
    );
    expect(message.fill).toMatchObject({ price: '0.01', executedAt: '1970-01-01T00:00:00.000Z' });
    expect({ ...fillOfEvent(message) }).toStrictEqual({ ...fill });
  });

  it('publishes nothing for no events', async () => {
    const { bus, published } = memoryBus();
    await new OrderEvents(bus).publish([]);
    expect(published).toEqual([]);
  });

  it('streams the events of each message one by one, in order', async () => {
    const { bus, deliver } = memoryBus();
    const stream = new OrderEvents(bus).stream();
    deliver([event(1), event(2)]);
    deliver([]);
    deliver([event(3)]);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await stream.next()).value!.order.id);
    expect(ids).toEqual(['o1', 'o2', 'o3']);
  });

  it('closes its subscription at once when the subscriber leaves, even while it waits for a message', async () => {
    const { bus, isClosed } = memoryBus();
    const stream = new OrderEvents(bus).stream();
    const waiting = stream.next();
    await stream.return!();
    expect(isClosed()).toBe(true);
    expect(await waiting).toEqual({ done: true, value: undefined });
  });
});
