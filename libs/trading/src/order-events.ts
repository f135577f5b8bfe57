import { Injectable } from '@nestjs/common';
import { EventBus } from '@gpupool/platform';

export const ORDER_EVENTS = 'order-events';

export type OrderEventType = 'PLACED' | 'FILLED' | 'PARTIALLY_FILLED' | 'CANCELLED' | 'EXPIRED';

/** What travels on the bus: ids only; subscribers read the order as it is now. */
export interface OrderEventMessage {
  type: OrderEventType;
  orderId: string;
  partnerId: string;
  fillId?: string;
  at?: string;
}

@Injectable()
export class OrderEvents {
  constructor(private readonly bus: EventBus) {}

  /** Publishes after commit; never fails the caller. */
  async publish(events: OrderEventMessage[]): Promise<void> {
    const at = new Date().toISOString();
    await Promise.all(events.map((event) => this.bus.publish(ORDER_EVENTS, { ...event, at })));
  }

  stream(): AsyncIterableIterator<OrderEventMessage> {
    return this.bus.subscribe<OrderEventMessage>(ORDER_EVENTS);
  }
}
