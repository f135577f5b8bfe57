import type { RedisOptions } from 'ioredis';

/**
 * Options of every Redis client that serves a request (BullMQ producers, the rate limiter, the
 * event publisher): while Redis is away, or answers too slowly, a command fails at once or within
 * `commandTimeout` instead of holding the request until Redis is back. What they do can wait
 * (the sweep re-queues work from Postgres, events are best effort) or has a fallback (the rate
 * limiter's in-memory insurance). Reconnects are tried every second.
 */
export const FAIL_FAST_REDIS = {
  maxRetriesPerRequest: 1,
  enableOfflineQueue: false,
  retryStrategy: () => 1000,
  commandTimeout: 3000,
} as const satisfies RedisOptions;
