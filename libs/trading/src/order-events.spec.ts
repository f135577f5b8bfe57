import { EventBus } from '@gpupool/platform';
import { OrderEventMessage, OrderEvents } from './order-events';

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

const event = (i: number): OrderEventMessage => ({ type: 'FILLED', orderId: `o${i}`, partnerId: 'p', fillId: `f${i}` });

describe('OrderEvents', () => {
  it('publishes the events of a change in messages of at most 1,000, each stamped with one time', async () => {
    const { bus, published } = memoryBus();
    await new OrderEvents(bus).publish(Array.from({ length: 2_500 }, (_, i) => event(i)));
    expect(published.map((batch) => (batch as unknown[]).length)).toEqual([1000, 1000, 500]);
    const stamps = new Set(published.flatMap((batch) => (batch as OrderEventMessage[]).map((e) => e.at)));
    expect(stamps.size).toBe(1);
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
    for (let i = 0; i < 3; i++) ids.push((await stream.next()).value!.orderId);
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
