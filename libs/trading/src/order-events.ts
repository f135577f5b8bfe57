import { Injectable } from '@nestjs/common';
import { countOrderEvents, EventBus } from '@gpupool/platform';

export const ORDER_EVENTS = 'order-events';

/** Events of one change travel together, up to this many in one message. */
const EVENTS_PER_MESSAGE = 1000;

export type OrderEventType = 'PLACED' | 'FILLED' | 'PARTIALLY_FILLED' | 'CANCELLED' | 'EXPIRED';

/** What travels on the bus: ids only; subscribers read the order as it is now. */
export interface OrderEventMessage {
  type: OrderEventType;
  orderId: string;
  partnerId: string;
  fillId?: string;
  at?: string;
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
  constructor(private readonly bus: EventBus) {}

  /**
   * Publishes after commit, in messages of up to EVENTS_PER_MESSAGE events, so a run that fills
   * 100,000 orders sends 100 messages, not 100,000; never fails the caller.
   */
  async publish(events: OrderEventMessage[]): Promise<void> {
    countOrderEvents(events);
    const at = new Date().toISOString();
    for (let i = 0; i < events.length; i += EVENTS_PER_MESSAGE) {
      await this.bus.publish(
        ORDER_EVENTS,
        events.slice(i, i + EVENTS_PER_MESSAGE).map((event) => ({ ...event, at })),
      );
    }
  }

  stream(): AsyncIterableIterator<OrderEventMessage> {
    return new OneByOne(this.bus.subscribe<OrderEventMessage[]>(ORDER_EVENTS));
  }
}
