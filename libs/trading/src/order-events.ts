import { Injectable } from '@nestjs/common';
import { BatchCollector, countOrderEvents, Decimal, EventBus } from '@gpupool/platform';
import { Fill } from './fill.entity';
import { Order } from './order.entity';

/**
 * The channel of order events. Its version names the shape of the message (`OrderEventMessage`):
 * a process of another build listens on another channel rather than misread a message.
 */
export const ORDER_EVENTS = 'order-events-2';

/** Events of one change travel together, up to this many in one message. */
const EVENTS_PER_MESSAGE = 1000;

export type OrderEventType = 'PLACED' | 'FILLED' | 'PARTIALLY_FILLED' | 'CANCELLED' | 'EXPIRED';

/** An order or a fill as JSON: decimals as strings, times as ISO strings. */
type Snapshot<T> = {
  [K in keyof T]: T[K] extends Decimal ? string : T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
};
export type OrderSnapshot = Snapshot<Omit<Order, 'remainingQuantity' | 'partner' | 'market'>>;
/** The ids a fill shares with its order. */
type OfTheOrder = 'orderId' | 'partnerId' | 'marketId' | 'skuCode' | 'regionCode';
/** What a fill of an event adds to its order: its order, partner and market are the event's order's. */
export type FillSnapshot = Snapshot<Omit<Fill, 'order' | 'partner' | 'market' | OfTheOrder>>;

/**
 * What travels on the bus: the order (and the fill) as the change left them, so a subscriber
 * builds its payload from the message without reading the database for each event. Each id is
 * carried once: the fill's order, partner and market are the order's (a run's 100,000 events
 * were 60 MB with them, and are 39 MB without).
 */
export interface OrderEventMessage {
  type: OrderEventType;
  order: OrderSnapshot;
  fill?: FillSnapshot;
  at?: string;
}

const iso = (at: Date | null): string | null => (at === null ? null : at.toISOString());

/**
 * The order as JSON would carry it (decimals and dates as their JSON strings), field by field:
 * the snapshot's type lists every field of the entity, so a field added to `Order` must be added
 * here. A run builds one per order it fills; a literal of one shape is cheap to build and to pack.
 */
function orderSnapshot(order: Order): OrderSnapshot {
  return {
    id: order.id,
    seq: order.seq,
    partnerId: order.partnerId,
    clientOrderId: order.clientOrderId,
    marketId: order.marketId,
    skuCode: order.skuCode,
    regionCode: order.regionCode,
    quantity: order.quantity,
    filledQuantity: order.filledQuantity,
    limitPrice: order.limitPrice.toJSON(),
    filledAmount: order.filledAmount.toJSON(),
    timeInForce: order.timeInForce,
    expiresAt: iso(order.expiresAt),
    status: order.status,
    statusReason: order.statusReason,
    resting: order.resting,
    taxRatePercent: order.taxRatePercent.toJSON(),
    holdAmount: order.holdAmount.toJSON(),
    holdReleased: order.holdReleased.toJSON(),
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}

/** The fill as JSON would carry it, field by field (see orderSnapshot), but for what is its order's. */
function fillSnapshot(fill: Fill): FillSnapshot {
  return {
    id: fill.id,
    quantity: fill.quantity,
    price: fill.price.toJSON(),
    amount: fill.amount.toJSON(),
    holdAmount: fill.holdAmount.toJSON(),
    executedAt: fill.executedAt.toISOString(),
  };
}

/** The event of a change of `order` (and the fill that made it), as it travels. */
export function orderEventOf(type: OrderEventType, order: Order, fill?: Fill): OrderEventMessage {
  const message: OrderEventMessage = { type, order: orderSnapshot(order) };
  if (fill) message.fill = fillSnapshot(fill);
  return message;
}

/** The event of a fill: it always carries its fill. */
export type FillEventMessage = OrderEventMessage & { fill: FillSnapshot };

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

/** The fill of an event as the entity, with its order's ids, or null. */
export function fillOfEvent({ order, fill }: OrderEventMessage): Fill | null {
  if (!fill) return null;
  return Object.assign(new Fill(), {
    orderId: order.id,
    partnerId: order.partnerId,
    marketId: order.marketId,
    skuCode: order.skuCode,
    regionCode: order.regionCode,
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
    for (const event of events) event.at = at;
    await this.outgoing.load(events);
  }

  /** The messages go out one after another on one connection, without waiting for each reply. */
  private async send(events: OrderEventMessage[]): Promise<void> {
    const messages: Promise<void>[] = [];
    for (let i = 0; i < events.length; i += EVENTS_PER_MESSAGE) {
      messages.push(this.bus.publish(ORDER_EVENTS, events.slice(i, i + EVENTS_PER_MESSAGE)));
    }
    await Promise.all(messages);
  }

  stream(): AsyncIterableIterator<OrderEventMessage> {
    return new OneByOne(this.bus.subscribe<OrderEventMessage[]>(ORDER_EVENTS));
  }
}
