import { Global, Inject, Injectable, Logger, Module, OnModuleDestroy } from '@nestjs/common';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import Redis from 'ioredis';
import { Packr } from 'msgpackr';
import { AppConfig } from '../config/app-config';
import { FAIL_FAST_REDIS } from '../queues/fail-fast-redis';
import { APP_CONFIG } from '../config/config.module';

/**
 * Payloads as MessagePack (msgpackr) with records: each message carries the shape of its objects
 * once, then only their values. A match run's 1,000 events to a message are a third of their JSON
 * and take less time to write and to read. Every message is whole on its own: no shapes are shared
 * between messages, so any process reads any message.
 */
const packr = new Packr({ useRecords: true });

/**
 * Events for live subscriptions, across every api and worker process, through Redis pub/sub.
 * Channels carry the queue prefix, so deployments sharing a Redis stay apart, and the encoding,
 * so a process of an older build never reads a message it cannot parse. Best effort: an event lost
 * while Redis is down is not replayed (the state itself is in Postgres).
 */
@Injectable()
export class EventBus implements OnModuleDestroy {
  private readonly logger = new Logger(EventBus.name);
  private readonly pubsub: RedisPubSub;
  private readonly prefix: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const publisher = new Redis(config.REDIS_URL, FAIL_FAST_REDIS);
    // The subscriber waits for Redis instead: it serves no request, and resubscribes once Redis is back.
    const subscriber = new Redis(config.REDIS_URL, { retryStrategy: () => 1000, maxRetriesPerRequest: null });
    for (const client of [publisher, subscriber]) client.on('error', () => undefined);
    this.pubsub = new RedisPubSub({
      publisher,
      subscriber,
      serializer: (payload) => packr.pack(payload) as unknown as string, // ioredis publishes a Buffer as it is
      deserializer: (message) => packr.unpack(message as Buffer),
      messageEventName: 'messageBuffer',
    });
    this.prefix = config.QUEUE_PREFIX;
  }

  async publish<T>(channel: string, payload: T): Promise<void> {
    await this.pubsub.publish(this.channelOf(channel), payload).catch((error: unknown) => {
      this.logger.warn({ channel, err: error }, 'event not published');
    });
  }

  subscribe<T>(channel: string): AsyncIterableIterator<T> {
    return this.pubsub.asyncIterableIterator(this.channelOf(channel)) as AsyncIterableIterator<T>;
  }

  /** The Redis channel of `name`, for a subscriber that listens on a connection of its own. */
  channelOf(name: string): string {
    return `${this.prefix}:${name}:msgpack`;
  }

  async onModuleDestroy(): Promise<void> {
    await this.pubsub.close().catch(() => undefined);
  }
}

@Global()
@Module({ providers: [EventBus], exports: [EventBus] })
export class EventsModule {}
