import { Global, Injectable, Logger, Module } from '@nestjs/common';

/** The class of an event: a listener names it, and each published event is an instance of it. */
export type EventClass<T extends object> = abstract new (...args: never[]) => T;

type Listener = (event: object) => Promise<void>;

/**
 * In-process events a domain announces after its change committed, for domains above it to act on
 * (it knows none of them: the arrow points up only at run time). `publish` awaits every listener of
 * the event's class in this process; a listener that throws is logged, never rethrown, since the
 * change is committed and the sweeps catch up. The events are declared by their domains.
 */
@Injectable()
export class DomainEvents {
  private readonly logger = new Logger(DomainEvents.name);
  private readonly listeners = new Map<EventClass<object>, Listener[]>();

  /** Calls `listener` with every event of `type` published in this process; call it at module init. */
  listen<T extends object>(type: EventClass<T>, listener: (event: T) => Promise<void>): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener as Listener]);
  }

  /** Call it after the change has committed. */
  async publish(event: object): Promise<void> {
    const listeners = this.listeners.get(event.constructor as EventClass<object>) ?? [];
    await Promise.all(
      listeners.map((listener) =>
        listener(event).catch((error: unknown) => this.logger.warn({ event: event.constructor.name, err: error }, 'event listener failed')),
      ),
    );
  }
}

@Global()
@Module({ providers: [DomainEvents], exports: [DomainEvents] })
export class DomainEventsModule {}
