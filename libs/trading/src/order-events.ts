import { Injectable } from '@nestjs/common';
import { BatchCollector, countOrderEvents, Decimal, EventBus } from '@gpupool/platform';
import { Fill } from './fill.entity';
import { Order } from './order.entity';

export const ORDER_EVENTS = 'order-events';

/** Events of one change travel together, up to this many in one message. */
const EVENTS_PER_MESSAGE = 1000;

export type OrderEventType = 'PLACED' | 'FILLED' | 'PARTIALLY_FILLED' | 'CANCELLED' | 'EXPIRED';

/** An order or a fill as JSON: decimals as strings, times as ISO strings. */
type Snapshot<T> = {
  [K in keyof T]: T[K] extends Decimal ? string : T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
};
export type OrderSnapshot = Snapshot<Omit<Order, 'remainingQuantity' | 'partner' | 'market'>>;
export type FillSnapshot = Snapshot<Omit<Fill, 'order' | 'partner' | 'market'>>;

/**
 * What travels on the bus: the order (and the fill) as the change left them, so a subscriber
 * builds its payload from the message without reading the database for each event.
 */
export interface OrderEventMessage {
  type: OrderEventType;
  orderId: string;
  partnerId: string;
  order: OrderSnapshot;
  fill?: FillSnapshot;
  at?: string;
}

/**
 * The fields of an entity as JSON would carry them (decimals and dates through their `toJSON`,
 * undefined left out), without writing and parsing a string: a run builds one per order it fills.
 */
function snapshotOf<T extends object>(fields: T): Snapshot<T> {
  const snapshot: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const json = value !== null && typeof value === 'object' ? (value as { toJSON?: () => unknown }).toJSON : undefined;
    snapshot[key] = json ? json.call(value) : value;
  }
  return snapshot as Snapshot<T>;
}

/** The event of a change of `order` (and the fill that made it), as it travels. */
export function orderEventOf(type: OrderEventType, order: Order, fill?: Fill): OrderEventMessage {
  const { partner: _partner, market: _market, ...fields } = order;
  const message: OrderEventMessage = { type, orderId: order.id, partnerId: order.partnerId, order: snapshotOf(fields) };
  if (fill) {
    const { order: _o, partner: _p, market: _m, ...fillFields } = fill;
    message.fill = snapshotOf(fillFields);
  }
  return message;
}

/** The order of an event as the entity, from its snapshot. */
export function orderOfEvent({ order }: OrderEventMessage): Order {
  return Object.assign(new Order(), {
    ...order,
    limitPrice: new Decimal(order.limitPrice),
    filledAmount: new Decimal(order.filledAmount),
    taxRatePercent: new Decimal(order.taxRatePercent),
    holdAmount: new Decimal(order.holdAmount),
    holdReleased: new Decimal(order.holdReleased ?? 0),
    expiresAt: order.expiresAt == null ? null : new Date(order.expiresAt),
    createdAt: new Date(order.createdAt),
    updatedAt: new Date(order.updatedAt),
  });
}

/** The fill of an event as the entity, or null. */
export function fillOfEvent({ fill }: OrderEventMessage): Fill | null {
  if (!fill) return null;
  return Object.assign(new Fill(), {
    ...fill,
    price: new Decimal(fill.price),
    amount: new Decimal(fill.amount),
    holdAmount: new Decimal(fill.holdAmount),
    executedAt: new Date(fill.executedAt),
  });
}

/** The events of a stream of batches, one at a time; closing it closes the batches' stream at once. */
class OneByOne<T> implements AsyncIterableIterator<T> {
  private batch: T[] = [];
  private position = 0;

  constructor(private readonly batches: AsyncIterator<T[]>) {}

  async next(): Promise<IteratorResult<T>> {
    while (this.position === this.batch.length) {
      const result = await this.batches.next();
      if (result.done) return { done: true, value: undefined };
      this.batch = result.value;
      this.position = 0;
    }
    return { done: false, value: this.batch[this.position++]! };
  }

  async return(): Promise<IteratorResult<T>> {
    this.batch = [];
    this.position = 0;
    await this.batches.return?.();
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

@Injectable()
export class OrderEvents {
  /** Events handed in while this process's previous publish is in flight go out together in the next. */
  private readonly outgoing: BatchCollector<OrderEventMessage[], undefined>;

  constructor(private readonly bus: EventBus) {
    this.outgoing = BatchCollector.sending((batches) => this.send(batches.flat()));
  }

  /**
   * Publishes after commit, in messages of up to EVENTS_PER_MESSAGE events, so a run that fills
   * 100,000 orders sends 100 messages, not 100,000, and orders placed while a message is on its way
   * share the next; never fails the caller.
   */
  async publish(events: OrderEventMessage[]): Promise<void> {
    if (events.length === 0) return;
    countOrderEvents(events);
    const at = new Date().toISOString();
    await this.outgoing.load(events.map((event) => ({ ...event, at })));
  }

  private async send(events: OrderEventMessage[]): Promise<void> {
    for (let i = 0; i < events.length; i += EVENTS_PER_MESSAGE) {
      await this.bus.publish(ORDER_EVENTS, events.slice(i, i + EVENTS_PER_MESSAGE));
    }
  }

  stream(): AsyncIterableIterator<OrderEventMessage> {
    return new OneByOne(this.bus.subscribe<OrderEventMessage[]>(ORDER_EVENTS));
  }
}
